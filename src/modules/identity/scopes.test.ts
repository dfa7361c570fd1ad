import { describe, expect, it } from "vitest";
import { allScopes } from "../../rpc/access.js";
import { roleScopes, scopeNames } from "./scopes.js";

describe("scopes", () => {
  it("are the six the contract's Scope enum names, in the same order", () => {
    expect([...scopeNames]).toEqual(allScopes);
  });

  it("map roles: admin and member all six, viewer the reads", () => {
    expect([...roleScopes.admin]).toEqual([...scopeNames]);
    expect([...roleScopes.member]).toEqual([...scopeNames]);
    expect([...roleScopes.viewer].every((s) => s.endsWith(":read"))).toBe(true);
    expect(roleScopes.viewer.has("mandates:write")).toBe(false);
  });
});
