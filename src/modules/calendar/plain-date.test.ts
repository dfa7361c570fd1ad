import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addDays,
  dayOfWeek,
  daysInMonth,
  formatIsoDate,
  fromDayNumber,
  isIsoDate,
  parseIsoDate,
  toDayNumber,
} from "./plain-date.js";

describe("plain dates", () => {
  it("counts days from 1970-01-01", () => {
    expect(toDayNumber("1970-01-01")).toBe(0);
    expect(toDayNumber("2000-03-01")).toBe(11017);
    expect(fromDayNumber(-1)).toBe("1969-12-31");
  });

  it("knows leap years and month lengths", () => {
    expect(daysInMonth(2024, 2)).toBe(29);
    expect(daysInMonth(2100, 2)).toBe(28);
    expect(daysInMonth(2000, 2)).toBe(29);
    expect(daysInMonth(2026, 4)).toBe(30);
  });

  it("rejects strings that are not calendar dates", () => {
    for (const bad of ["2026-02-29", "2026-13-01", "2026-1-01", "2026-01-01T00:00:00Z", "", "0000-01-01"]) {
      expect(isIsoDate(bad)).toBe(false);
      expect(() => parseIsoDate(bad)).toThrow(RangeError);
    }
    expect(() => formatIsoDate(2026, 2, 30)).toThrow(RangeError);
    expect(() => addDays("2026-01-01", 0.5)).toThrow(RangeError);
  });

  it("agrees with the UTC calendar of Date on day numbers and weekdays (property)", () => {
    const oneDay = 86_400_000;
    fc.assert(
      fc.property(fc.integer({ min: -100_000, max: 100_000 }), (n) => {
        const date = fromDayNumber(n);
        const utc = new Date(n * oneDay);
        expect(date).toBe(utc.toISOString().slice(0, 10));
        expect(toDayNumber(date)).toBe(n);
        expect(dayOfWeek(date)).toBe(utc.getUTCDay());
      }),
      { numRuns: 2000 },
    );
  });
});
