/**
 * pagination.ts reads and writes AIP-158 paging: page_size (default 50, at most 500) and opaque
 * page tokens. A token holds the cursor of the page's last item (the values of the list's order-by
 * keys, see platform/db/keyset-page.ts) and a fingerprint of the caller's organisation and the
 * request's filters, so a token cannot be replayed against a different query or by another
 * organisation (INVALID_ARGUMENT page_token). Each list names the shape of its cursor and a token's
 * cursor must fit it, so a forged cursor never reaches a query. The tenant filter scopes every
 * query regardless.
 */
import { createHash } from "node:crypto";
import { InvalidArgumentError } from "../modules/errors.js";
import type { PageRequest } from "../platform/db/keyset-page.js";
import { requireCaller } from "./context.js";

/** A handler's context: tokens are bound to its caller's organisation. */
type CallerContext = Parameters<typeof requireCaller>[0];

/** A cursor as tokens carry it: every value is a string. */
type StringCursor<C> = { [K in keyof C]: string };

export const defaultPageSize = 50;
export const maxPageSize = 500;

/**
 * CursorShape is the shape of a list's cursor: each of its keys, with the test a token's value for
 * that key must pass to be one this service could have issued.
 */
export type CursorShape<C extends StringCursor<C>> = { readonly [K in keyof C]: (value: string) => value is C[K] };

/** isIdOf tests a cursor value for an id newId made with `prefix` ("MD", "CL", …). */
export function isIdOf(prefix: string): (value: string) => value is string {
  const pattern = new RegExp(`^${prefix}[0-9A-Z]{26}$`);
  return (value): value is string => pattern.test(value);
}

/**
 * readPage validates page_size and page_token; filters are the request's other list parameters, and
 * shape is the list's cursor. A token that is not one this service issued for this list, or one
 * issued for other filters or another organisation, is INVALID_ARGUMENT naming page_token.
 */
export function readPage<C extends StringCursor<C>>(
  ctx: CallerContext,
  pageSize: number,
  pageToken: string,
  filters: unknown,
  shape: CursorShape<C>,
): PageRequest<C> {
  if (pageSize < 0) throw InvalidArgumentError.field("page_size", "must not be negative");
  const size = pageSize === 0 ? defaultPageSize : Math.min(pageSize, maxPageSize);
  if (pageToken === "") return { size, after: undefined };
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(pageToken, "base64url").toString("utf8"));
  } catch {
    throw notIssued();
  }
  // JSON.parse also yields null, numbers and strings ("null" is a valid token body): only an object can be ours.
  if (!isObject(parsed) || !isObject(parsed.c) || typeof parsed.f !== "string") throw notIssued();
  if (parsed.f !== fingerprint(ctx, filters)) {
    throw InvalidArgumentError.field(
      "page_token",
      "was issued for another request (other filters or another organisation)",
    );
  }
  return { size, after: readCursor(parsed.c, shape) };
}

/** nextPageToken returns the token for the page after one whose last item has `cursor`, or "" when no page follows. */
export function nextPageToken<C extends StringCursor<C>>(
  ctx: CallerContext,
  page: { hasMore: boolean; cursor: C | undefined },
  filters: unknown,
): string {
  if (!page.hasMore || page.cursor === undefined) return "";
  return Buffer.from(JSON.stringify({ c: page.cursor, f: fingerprint(ctx, filters) }), "utf8").toString("base64url");
}

/** readCursor returns the token's cursor if it has exactly the shape's keys and each value passes its test. */
function readCursor<C extends StringCursor<C>>(cursor: Record<string, unknown>, shape: CursorShape<C>): C {
  const keys = Object.keys(shape) as (keyof C & string)[];
  if (Object.keys(cursor).length !== keys.length) throw notIssued();
  for (const key of keys) {
    const value = cursor[key];
    if (typeof value !== "string" || !shape[key](value)) throw notIssued();
  }
  return cursor as C;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function notIssued(): InvalidArgumentError {
  return InvalidArgumentError.field("page_token", "is not a page token this service issued");
}

function fingerprint(ctx: CallerContext, filters: unknown): string {
  const organisationId = requireCaller(ctx).organisationId;
  return createHash("sha256")
    .update(JSON.stringify([organisationId, filters ?? null]))
    .digest("base64url")
    .slice(0, 16);
}
