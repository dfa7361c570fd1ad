import { describe, expect, it } from "vitest";
import { apiKeyDigest, displayPrefix, generateApiKey, isWellFormedApiKey } from "./api-key-format.js";

describe("API key format", () => {
  it("is dd_live_ or dd_test_, 32 random base62 characters and a 6-character checksum", () => {
    expect(generateApiKey("live")).toMatch(/^dd_live_[0-9A-Za-z]{38}$/);
    expect(generateApiKey("test")).toMatch(/^dd_test_[0-9A-Za-z]{38}$/);
  });

  it("accepts what it generates and refuses any single changed character", () => {
    const key = generateApiKey("live");
    expect(isWellFormedApiKey(key)).toBe(true);
    for (let i = "dd_live_".length; i < key.length; i++) {
      const changed = key.slice(0, i) + (key[i] === "a" ? "b" : "a") + key.slice(i + 1);
      expect(isWellFormedApiKey(changed), `changed at ${i}`).toBe(false);
    }
  });

  it("refuses other shapes", () => {
    for (const bad of [
      "",
      "dd_live_",
      `sk_live_${"a".repeat(38)}`,
      `dd_prod_${"a".repeat(38)}`,
      `${generateApiKey("test")}x`,
    ]) {
      expect(isWellFormedApiKey(bad)).toBe(false);
    }
  });

  it("never repeats and stores as a 64-character SHA-256 hex digest", () => {
    const keys = new Set(Array.from({ length: 1000 }, () => generateApiKey("live")));
    expect(keys.size).toBe(1000);
    const key = [...keys][0]!;
    expect(apiKeyDigest(key)).toMatch(/^[0-9a-f]{64}$/);
    expect(displayPrefix(key)).toBe(key.slice(0, 12));
  });
});
