import { createContextValues } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../modules/errors.js";
import { kCaller } from "./context.js";
import { defaultPageSize, isIdOf, maxPageSize, nextPageToken, readPage } from "./pagination.js";

const contextOf = (organisationId: string) => ({
  values: createContextValues().set(kCaller, {
    organisationId,
    sandbox: false,
    principal: { kind: "api_key", apiKeyId: "AK1" },
    scopes: new Set<string>(),
  }),
});

const ctx = contextOf("OR1");
const filters = { state: "ACTIVE" };
const shape = { chargeDate: (value: string): value is string => /^\d{4}-\d{2}-\d{2}$/.test(value), id: isIdOf("CL") };
const cursor = { chargeDate: "2026-01-30", id: `CL${"1".repeat(26)}` };
const tokenOf = (body: unknown) => Buffer.from(JSON.stringify(body), "utf8").toString("base64url");

/** refusal is the page_token violation readPage throws for `token`, or undefined if it reads it. */
function refusal(token: string, context = ctx, withFilters: unknown = filters): string | undefined {
  try {
    readPage(context, 0, token, withFilters, shape);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    const [violation] = (error as InvalidArgumentError).violations;
    expect(violation?.field).toBe("page_token");
    return violation?.description;
  }
}

describe("page tokens", () => {
  it("carry a typed cursor from one page to the next", () => {
    const token = nextPageToken(ctx, { hasMore: true, cursor }, filters);
    expect(readPage(ctx, 2, token, filters, shape)).toEqual({ size: 2, after: cursor });
  });

  it("are empty when no page follows, and an empty token starts at the beginning", () => {
    expect(nextPageToken(ctx, { hasMore: false, cursor }, filters)).toBe("");
    expect(readPage(ctx, 0, "", filters, shape)).toEqual({ size: defaultPageSize, after: undefined });
    expect(readPage(ctx, maxPageSize + 1, "", filters, shape).size).toBe(maxPageSize);
  });

  it("refuse a negative page size", () => {
    expect(() => readPage(ctx, -1, "", filters, shape)).toThrow(/page_size/);
  });

  it("bind the cursor to the caller's organisation and the request's filters", () => {
    const token = nextPageToken(ctx, { hasMore: true, cursor }, filters);
    expect(refusal(token, contextOf("OR2"))).toMatch(/another request/);
    expect(refusal(token, ctx, { state: "CANCELLED" })).toMatch(/another request/);
  });

  it("refuse a token that is not one this service issued", () => {
    expect(refusal(tokenOf({ c: cursor, f: "forged" }))).toMatch(/another request/);
    const issued = (c: unknown) => {
      const token = nextPageToken(ctx, { hasMore: true, cursor }, filters);
      const body = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
      return tokenOf({ ...body, c });
    };
    const notIssued = /not a page token this service issued/;
    for (const forged of [
      "%%%",
      tokenOf(null),
      tokenOf("a"),
      tokenOf([cursor]),
      issued(undefined),
      issued(`${cursor.chargeDate}~${cursor.id}`),
      issued({ id: cursor.id }),
      issued({ ...cursor, extra: "x" }),
      issued({ ...cursor, id: 7 }),
      issued({ ...cursor, id: `MD${"1".repeat(26)}` }),
      issued({ ...cursor, chargeDate: "30/01/2026" }),
    ]) {
      expect(refusal(forged), forged).toMatch(notIssued);
    }
  });
});
