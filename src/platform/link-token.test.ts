import { describe, expect, it } from "vitest";
import { linkTokenDigest, looksLikeLinkToken, newLinkToken } from "./link-token.js";

describe("link tokens", () => {
  it("are 43 base64url characters, stored only as their SHA-256", () => {
    const { token, digest } = newLinkToken();
    expect(looksLikeLinkToken(token)).toBe(true);
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(digest).toBe(linkTokenDigest(token));
    expect(newLinkToken().token).not.toBe(token);
  });

  it("refuse anything else by shape, before any work", () => {
    for (const bad of ["", "short", `${"A".repeat(43)}=`, "A".repeat(42), `${"A".repeat(42)}/`]) {
      expect(looksLikeLinkToken(bad)).toBe(false);
    }
  });
});
