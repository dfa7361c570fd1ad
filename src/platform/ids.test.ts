import { describe, expect, it } from "vitest";
import { firstIdAt, ID_LENGTH, newId } from "./ids.js";

describe("newId", () => {
  it("starts with the prefix and has a fixed length of Crockford base32 characters", () => {
    const id = newId("OR", Date.now());
    expect(id).toHaveLength(ID_LENGTH);
    expect(id).toMatch(/^OR[0-9A-HJKMNP-TV-Z]{26}$/);
  });

  it("sorts by creation time as a plain string", () => {
    const times = [0, 1, 31, 32, 1_700_000_000_000, 1_700_000_000_001, 2 ** 48 - 1];
    const ids = times.map((t) => newId("MD", t));
    expect([...ids].sort()).toEqual(ids);
  });

  it("encodes the millisecond time in the first ten characters", () => {
    expect(newId("MD", 0).slice(2, 12)).toBe("0000000000");
    expect(newId("MD", 2 ** 48 - 1).slice(2, 12)).toBe("7ZZZZZZZZZ");
    expect(newId("MD", 1_700_000_000_000).slice(2, 12)).toBe(newId("MD", 1_700_000_000_000).slice(2, 12));
  });

  it("never repeats within one millisecond", () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newId("AE", 1_700_000_000_000)));
    expect(ids.size).toBe(10_000);
  });

  it("rejects a prefix that is not two upper-case letters", () => {
    for (const bad of ["", "O", "or", "ORG", "O1"]) {
      expect(() => newId(bad, Date.now())).toThrow(/two upper-case letters/);
    }
  });

  it("rejects a time outside 48 bits", () => {
    expect(() => newId("OR", -1)).toThrow(RangeError);
    expect(() => newId("OR", 2 ** 48)).toThrow(RangeError);
  });
});

describe("firstIdAt", () => {
  it("sorts after every id of an earlier millisecond and not after any id of that millisecond or later", () => {
    const t = Date.UTC(2026, 10, 27, 12, 0, 0);
    const bound = firstIdAt("NT", t);
    for (let i = 0; i < 200; i++) {
      expect(newId("NT", t - 1) < bound).toBe(true);
      expect(newId("NT", t) >= bound).toBe(true);
      expect(newId("NT", t + 1) >= bound).toBe(true);
    }
    expect(bound).toHaveLength(ID_LENGTH);
  });

  it("rounds a fractional time up, as a time filter on whole milliseconds needs", () => {
    expect(firstIdAt("NT", 1000.2)).toBe(firstIdAt("NT", 1001));
    expect(firstIdAt("NT", -5)).toBe(firstIdAt("NT", 0));
  });
});
