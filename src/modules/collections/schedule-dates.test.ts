import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addDays, dayOfWeek, daysInMonth, fromDayNumber, parseIsoDate, toDayNumber } from "../calendar/plain-date.js";
import { LAST_DAY_OF_MONTH, monthlyDates, weeklyDates } from "./schedule-dates.js";

describe("monthlyDates", () => {
  it("starts at the first matching day on or after the start date", () => {
    expect(monthlyDates("2026-01-01", 1, { count: 3 })).toEqual(["2026-01-01", "2026-02-01", "2026-03-01"]);
    expect(monthlyDates("2026-01-02", 1, { count: 2 })).toEqual(["2026-02-01", "2026-03-01"]);
  });

  it("clamps days 29–31 to the end of shorter months and returns to the asked day", () => {
    expect(monthlyDates("2026-01-31", 31, { count: 4 })).toEqual([
      "2026-01-31",
      "2026-02-28",
      "2026-03-31",
      "2026-04-30",
    ]);
    expect(monthlyDates("2024-01-30", 30, { count: 3 })).toEqual(["2024-01-30", "2024-02-29", "2024-03-30"]);
    expect(monthlyDates("2026-02-01", 29, { count: 2 })).toEqual(["2026-02-28", "2026-03-29"]);
  });

  it("takes -1 as the last day of each month", () => {
    expect(monthlyDates("2024-01-15", LAST_DAY_OF_MONTH, { count: 3 })).toEqual([
      "2024-01-31",
      "2024-02-29",
      "2024-03-31",
    ]);
  });

  it("stops at until (inclusive), or at whichever of count and until comes first", () => {
    expect(monthlyDates("2026-11-15", 15, { until: "2027-02-15" })).toEqual([
      "2026-11-15",
      "2026-12-15",
      "2027-01-15",
      "2027-02-15",
    ]);
    expect(monthlyDates("2026-11-15", 15, { until: "2027-02-14" })).toHaveLength(3);
    expect(monthlyDates("2026-11-15", 15, { count: 2, until: "2027-12-31" })).toHaveLength(2);
    expect(monthlyDates("2026-11-15", 15, { count: 12, until: "2026-12-31" })).toHaveLength(2);
    expect(monthlyDates("2026-11-15", 15, { count: 0 })).toEqual([]);
  });

  it("refuses a bad day of month or a schedule without an end", () => {
    for (const day of [0, 32, -2, 1.5]) expect(() => monthlyDates("2026-01-01", day, { count: 1 })).toThrow(RangeError);
    expect(() => monthlyDates("2026-01-01", 1, {} as { count: number })).toThrow(RangeError);
    expect(() => monthlyDates("2026-01-01", 1, { count: -1 })).toThrow(RangeError);
  });

  it("gives one date a month, in order, on the asked or last day (property)", () => {
    const start = fc.integer({ min: toDayNumber("2000-01-01"), max: toDayNumber("2099-12-31") }).map(fromDayNumber);
    const day = fc.oneof(fc.integer({ min: 1, max: 31 }), fc.constant(LAST_DAY_OF_MONTH));
    fc.assert(
      fc.property(start, day, fc.integer({ min: 0, max: 40 }), (from, dayOfMonth, count) => {
        const dates = monthlyDates(from, dayOfMonth, { count });
        expect(dates).toHaveLength(count);
        dates.forEach((date, i) => {
          const { year, month, day: d } = parseIsoDate(date);
          const last = daysInMonth(year, month);
          expect(d).toBe(dayOfMonth === LAST_DAY_OF_MONTH ? last : Math.min(dayOfMonth, last));
          expect(date >= from).toBe(true);
          const previous = dates[i - 1];
          if (previous !== undefined) {
            const p = parseIsoDate(previous);
            expect(year * 12 + month).toBe(p.year * 12 + p.month + 1);
          }
        });
        const first = dates[0];
        if (first !== undefined) expect(first.slice(0, 7) <= addDays(from, 31).slice(0, 7)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe("weeklyDates", () => {
  it("repeats every 7 days on the start's weekday", () => {
    expect(weeklyDates("2026-12-18", { count: 3 })).toEqual(["2026-12-18", "2026-12-25", "2027-01-01"]);
    expect(weeklyDates("2026-03-02", { until: "2026-03-23" })).toEqual([
      "2026-03-02",
      "2026-03-09",
      "2026-03-16",
      "2026-03-23",
    ]);
    expect(weeklyDates("2026-03-02", { until: "2026-03-01" })).toEqual([]);
    expect(new Set(weeklyDates("2026-03-02", { count: 20 }).map(dayOfWeek))).toEqual(new Set([1]));
  });

  it("refuses a malformed start even when no dates are asked for", () => {
    expect(() => weeklyDates("2026-02-30", { count: 0 })).toThrow(RangeError);
  });
});
