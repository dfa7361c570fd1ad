/**
 * pagination.ts reads and writes AIP-158 paging: page_size (default 50, at most 500) and opaque
 * page tokens. A token holds the last id of the page (ids sort by creation time, so "older than this
 * id" is the next page of a newest-first list) and a fingerprint of the caller's organisation and the
 * request's filters, so a token cannot be replayed against a different query or by another
 * organisation (INVALID_ARGUMENT page_token). The tenant filter scopes every query regardless.
 */
import { createHash } from "node:crypto";
import { InvalidArgumentError } from "../modules/errors.js";
import { requireCaller } from "./context.js";

/** A handler's context: tokens are bound to its caller's organisation. */
type CallerContext = Parameters<typeof requireCaller>[0];

export const defaultPageSize = 50;
export const maxPageSize = 500;

/** Page is where a list starts: after the given id (exclusive), at most size items. */
export interface Page {
  size: number;
  afterId: string | undefined;
}

/** readPage validates page_size and page_token; filters are the request's other list parameters. */
export function readPage(ctx: CallerContext, pageSize: number, pageToken: string, filters: unknown): Page {
  if (pageSize < 0) throw InvalidArgumentError.field("page_size", "must not be negative");
  const size = pageSize === 0 ? defaultPageSize : Math.min(pageSize, maxPageSize);
  if (pageToken === "") return { size, afterId: undefined };
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(pageToken, "base64url").toString("utf8"));
  } catch {
    throw InvalidArgumentError.field("page_token", "is not a page token this service issued");
  }
  // JSON.parse also yields null, numbers and strings ("null" is a valid token body): only an object can be ours.
  if (typeof parsed !== "object" || parsed === null) {
    throw InvalidArgumentError.field("page_token", "is not a page token this service issued");
  }
  const token = parsed as { a?: unknown; f?: unknown };
  if (typeof token.a !== "string" || typeof token.f !== "string") {
    throw InvalidArgumentError.field("page_token", "is not a page token this service issued");
  }
  if (token.f !== fingerprint(ctx, filters)) {
    throw InvalidArgumentError.field(
      "page_token",
      "was issued for another request (other filters or another organisation)",
    );
  }
  return { size, afterId: token.a };
}

/** nextPageToken returns the token for the page after `items`, or "" when this page is the last. */
export function nextPageToken(
  ctx: CallerContext,
  items: readonly { id: string }[],
  _page: Page,
  filters: unknown,
  hasMore: boolean,
): string {
  const last = items.at(-1);
  if (!hasMore || !last) return "";
  return Buffer.from(JSON.stringify({ a: last.id, f: fingerprint(ctx, filters) }), "utf8").toString("base64url");
}

function fingerprint(ctx: CallerContext, filters: unknown): string {
  const organisationId = requireCaller(ctx).organisationId;
  return createHash("sha256")
    .update(JSON.stringify([organisationId, filters ?? null]))
    .digest("base64url")
    .slice(0, 16);
}
