import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addDays, dayOfWeek, MONDAY } from "../calendar/plain-date.js";
import { addMonths, checkReportRange, intervalStart, reportIntervals, reportPeriods } from "./report-intervals.js";

const date = (min: string, days: number) => fc.integer({ min: 0, max: days }).map((n) => addDays(min, n));

describe("addMonths", () => {
  it("keeps the day, or takes the last day of a shorter month", () => {
    expect(addMonths("2026-01-15", 1)).toBe("2026-02-15");
    expect(addMonths("2026-01-31", 1)).toBe("2026-02-28");
    expect(addMonths("2024-01-31", 1)).toBe("2024-02-29");
    expect(addMonths("2024-02-29", 24)).toBe("2026-02-28");
    expect(addMonths("2026-11-30", 3)).toBe("2027-02-28");
    expect(addMonths("2026-03-31", -1)).toBe("2026-02-28");
  });
});

describe("intervalStart", () => {
  it("is the day itself, the Monday of its week, or the first of its month", () => {
    expect(intervalStart("2026-11-27", "DAY")).toBe("2026-11-27");
    expect(intervalStart("2026-11-27", "WEEK")).toBe("2026-11-23"); // a Friday
    expect(intervalStart("2026-11-23", "WEEK")).toBe("2026-11-23"); // a Monday
    expect(intervalStart("2026-11-29", "WEEK")).toBe("2026-11-23"); // a Sunday
    expect(intervalStart("2027-01-01", "WEEK")).toBe("2026-12-28"); // across a year
    expect(intervalStart("2026-11-27", "MONTH")).toBe("2026-11-01");
  });
});

describe("reportPeriods", () => {
  it("cuts the first and last months to from and to", () => {
    expect(reportPeriods("2026-01-15", "2026-03-10", "MONTH")).toEqual([
      { startDate: "2026-01-15", endDate: "2026-01-31", key: "2026-01-01" },
      { startDate: "2026-02-01", endDate: "2026-02-28", key: "2026-02-01" },
      { startDate: "2026-03-01", endDate: "2026-03-10", key: "2026-03-01" },
    ]);
  });

  it("runs weeks Monday to Sunday", () => {
    expect(reportPeriods("2026-11-27", "2026-12-08", "WEEK")).toEqual([
      { startDate: "2026-11-27", endDate: "2026-11-29", key: "2026-11-23" },
      { startDate: "2026-11-30", endDate: "2026-12-06", key: "2026-11-30" },
      { startDate: "2026-12-07", endDate: "2026-12-08", key: "2026-12-07" },
    ]);
  });

  it("has one row for a one-day range, whatever the interval", () => {
    for (const interval of reportIntervals) {
      expect(reportPeriods("2026-02-28", "2026-02-28", interval)).toEqual([
        { startDate: "2026-02-28", endDate: "2026-02-28", key: intervalStart("2026-02-28", interval) },
      ]);
    }
  });

  it("covers [from, to] without gaps or overlaps, each row inside one interval (property)", () => {
    const range = fc
      .tuple(date("2020-01-01", 3000), fc.integer({ min: 0, max: 400 }))
      .map(([from, days]) => ({ from, to: addDays(from, days) }));
    fc.assert(
      fc.property(range, fc.constantFrom(...reportIntervals), ({ from, to }, interval) => {
        const periods = reportPeriods(from, to, interval);
        expect(periods[0]!.startDate).toBe(from);
        expect(periods.at(-1)!.endDate).toBe(to);
        periods.forEach((p, i) => {
          expect(p.startDate <= p.endDate).toBe(true);
          expect(intervalStart(p.startDate, interval)).toBe(p.key);
          expect(intervalStart(p.endDate, interval)).toBe(p.key);
          if (i > 0) expect(p.startDate).toBe(addDays(periods[i - 1]!.endDate, 1));
          if (i > 0 && interval === "WEEK") expect(dayOfWeek(p.startDate)).toBe(MONDAY);
          if (i > 0 && interval === "MONTH") expect(p.startDate.endsWith("-01")).toBe(true);
        });
      }),
    );
  });
});

describe("checkReportRange", () => {
  it("accepts a range of up to 24 whole months", () => {
    expect(checkReportRange("2026-01-01", "2026-01-01")).toEqual([]);
    expect(checkReportRange("2024-01-01", "2025-12-31")).toEqual([]);
    expect(checkReportRange("2024-01-15", "2026-01-14")).toEqual([]);
  });

  it("names the field that is missing or not a date", () => {
    expect(checkReportRange("", "2026-01-01").map((v) => v.field)).toEqual(["from"]);
    expect(checkReportRange("2026-01-01", "").map((v) => v.field)).toEqual(["to"]);
    expect(checkReportRange("2026-02-30", "01/03/2026").map((v) => v.field)).toEqual(["from", "to"]);
  });

  it("refuses dates after 9997-12-31, whose 24 months would leave the calendar", () => {
    expect(checkReportRange("9997-12-01", "9997-12-31")).toEqual([]);
    expect(checkReportRange("9998-01-01", "9998-01-02").map((v) => v.field)).toEqual(["from", "to"]);
  });

  it("refuses to before from, naming to", () => {
    expect(checkReportRange("2026-01-02", "2026-01-01")).toEqual([
      { field: "to", description: "must not be before from" },
    ]);
  });

  it("refuses 24 months or more, naming to", () => {
    expect(checkReportRange("2024-01-01", "2026-01-01").map((v) => v.field)).toEqual(["to"]);
    expect(checkReportRange("2024-01-15", "2026-01-15").map((v) => v.field)).toEqual(["to"]);
    // From 29 February, 24 months on is 28 February: the last day allowed is the 27th.
    expect(checkReportRange("2024-02-29", "2026-02-27")).toEqual([]);
    expect(checkReportRange("2024-02-29", "2026-02-28")[0]?.description).toContain("2026-02-27 at the latest");
  });
});
