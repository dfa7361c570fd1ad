import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { londonDate, londonMidnight } from "./london-date.js";
import { addDays } from "./plain-date.js";

describe("londonDate", () => {
  it("is the UTC date in winter (GMT)", () => {
    expect(londonDate(new Date("2026-01-15T23:30:00Z"))).toBe("2026-01-15");
  });

  it("turns over at local midnight in summer (BST, UTC+1)", () => {
    expect(londonDate(new Date("2026-07-15T22:59:59Z"))).toBe("2026-07-15");
    expect(londonDate(new Date("2026-07-15T23:00:00Z"))).toBe("2026-07-16");
  });

  it("reads the year's turn in GMT", () => {
    expect(londonDate(new Date("2027-12-31T23:30:00Z"))).toBe("2027-12-31");
    expect(londonDate(new Date("2028-01-01T00:00:00Z"))).toBe("2028-01-01");
  });
});

describe("londonMidnight", () => {
  it("is 00:00 UTC in winter and 23:00 UTC the day before in summer", () => {
    expect(londonMidnight("2026-01-15").toISOString()).toBe("2026-01-15T00:00:00.000Z");
    expect(londonMidnight("2026-07-16").toISOString()).toBe("2026-07-15T23:00:00.000Z");
  });

  it("starts the days the clocks change on at their local midnight", () => {
    // 29 March 2026: clocks go forward at 01:00 UTC, so the day starts in GMT; the next in BST.
    expect(londonMidnight("2026-03-29").toISOString()).toBe("2026-03-29T00:00:00.000Z");
    expect(londonMidnight("2026-03-30").toISOString()).toBe("2026-03-29T23:00:00.000Z");
    // 25 October 2026: clocks go back at 01:00 UTC, so the day starts in BST; the next in GMT.
    expect(londonMidnight("2026-10-25").toISOString()).toBe("2026-10-24T23:00:00.000Z");
    expect(londonMidnight("2026-10-26").toISOString()).toBe("2026-10-26T00:00:00.000Z");
  });

  it("is the first instant whose London date is the day (property)", () => {
    const day = fc.integer({ min: 0, max: 365 * 60 }).map((n) => addDays("1990-01-01", n));
    fc.assert(
      fc.property(day, (date) => {
        const midnight = londonMidnight(date);
        expect(londonDate(midnight)).toBe(date);
        expect(londonDate(new Date(midnight.getTime() - 1))).toBe(addDays(date, -1));
      }),
    );
  });

  it("refuses what is no calendar date", () => {
    expect(() => londonMidnight("2026-02-30")).toThrow(RangeError);
  });
});
