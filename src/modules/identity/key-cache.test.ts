import { describe, expect, it } from "vitest";
import { KeyCache } from "./key-cache.js";

describe("KeyCache", () => {
  it("forgets entries after the TTL", () => {
    let now = 0;
    const cache = new KeyCache<string>(10, 1000, () => now);
    cache.set("d1", { keyId: "AK1", caller: "c", expireTime: undefined });
    now = 999;
    expect(cache.get("d1")?.caller).toBe("c");
    now = 1000;
    expect(cache.get("d1")).toBeUndefined();
  });

  it("drops the least recently used entry when full", () => {
    const cache = new KeyCache<string>(2, 60_000, Date.now);
    cache.set("d1", { keyId: "AK1", caller: "1", expireTime: undefined });
    cache.set("d2", { keyId: "AK2", caller: "2", expireTime: undefined });
    cache.get("d1");
    cache.set("d3", { keyId: "AK3", caller: "3", expireTime: undefined });
    expect(cache.get("d2")).toBeUndefined();
    expect(cache.get("d1")?.caller).toBe("1");
    expect(cache.size).toBe(2);
  });

  it("invalidates by key id and clears everything", () => {
    const cache = new KeyCache<string>(10, 60_000, Date.now);
    cache.set("d1", { keyId: "AK1", caller: "1", expireTime: undefined });
    cache.set("d2", { keyId: "AK2", caller: "2", expireTime: undefined });
    cache.invalidate("AK1");
    expect(cache.get("d1")).toBeUndefined();
    expect(cache.get("d2")).toBeDefined();
    cache.clear();
    expect(cache.size).toBe(0);
  });

  it("keeps negative entries only for their shorter TTL", () => {
    let now = 0;
    const cache = new KeyCache<string>(10, 30_000, () => now);
    cache.set("bad", { keyId: undefined, caller: undefined, expireTime: undefined }, 5_000);
    now = 4_999;
    expect(cache.get("bad")).toBeDefined();
    now = 5_000;
    expect(cache.get("bad")).toBeUndefined();
  });
});
