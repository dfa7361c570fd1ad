import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bankHolidays, easterSunday, FIRST_YEAR, isBankHoliday, LAST_YEAR, ONE_OFF_CHANGES } from "./bank-holidays.js";
import { dayOfWeek, isWeekend, SUNDAY } from "./plain-date.js";

const datesOf = (year: number) => bankHolidays(year).map((h) => h.date);

describe("England-and-Wales bank holidays", () => {
  // Exactly as published on https://www.gov.uk/bank-holidays.
  it.each([
    [
      2024,
      ["2024-01-01", "2024-03-29", "2024-04-01", "2024-05-06", "2024-05-27", "2024-08-26", "2024-12-25", "2024-12-26"],
    ],
    [
      2025,
      ["2025-01-01", "2025-04-18", "2025-04-21", "2025-05-05", "2025-05-26", "2025-08-25", "2025-12-25", "2025-12-26"],
    ],
    [
      2026,
      ["2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31", "2026-12-25", "2026-12-28"],
    ],
    [
      2027,
      ["2027-01-01", "2027-03-26", "2027-03-29", "2027-05-03", "2027-05-31", "2027-08-30", "2027-12-27", "2027-12-28"],
    ],
  ])("lists %i as published", (year, expected) => {
    expect(datesOf(year)).toEqual(expected);
  });

  it("names the 2026 Boxing Day substitute", () => {
    expect(bankHolidays(2026).at(-1)).toEqual({ date: "2026-12-28", name: "Boxing Day (substitute day)" });
  });

  describe("substitute days", () => {
    it("moves a Saturday Christmas to Monday 27th and Boxing Day to Tuesday 28th (2021, 2027, 2010)", () => {
      for (const year of [2021, 2027, 2010]) {
        expect(bankHolidays(year).slice(-2)).toEqual([
          { date: `${year}-12-27`, name: "Christmas Day (substitute day)" },
          { date: `${year}-12-28`, name: "Boxing Day (substitute day)" },
        ]);
        expect(isBankHoliday(`${year}-12-25`)).toBe(false);
      }
    });

    it("keeps Boxing Day on Monday 26th and moves a Sunday Christmas to Tuesday 27th (2022, 2016, 2011)", () => {
      for (const year of [2022, 2016, 2011]) {
        expect(bankHolidays(year).slice(-2)).toEqual([
          { date: `${year}-12-26`, name: "Boxing Day" },
          { date: `${year}-12-27`, name: "Christmas Day (substitute day)" },
        ]);
      }
    });

    it("moves a Saturday Boxing Day to Monday 28th after a Friday Christmas (2020, 2015, 2026)", () => {
      for (const year of [2020, 2015, 2026])
        expect(datesOf(year).slice(-2)).toEqual([`${year}-12-25`, `${year}-12-28`]);
    });

    it("moves a weekend New Year's Day to the Monday after (2022 Sat → 3 Jan, 2023 Sun → 2 Jan, 2028 Sat → 3 Jan)", () => {
      expect(datesOf(2022)[0]).toBe("2022-01-03");
      expect(datesOf(2023)[0]).toBe("2023-01-02");
      expect(datesOf(2028)[0]).toBe("2028-01-03");
      expect(bankHolidays(2023)[0]?.name).toBe("New Year's Day (substitute day)");
    });
  });

  it.each([
    [2000, "2000-04-23"],
    [2001, "2001-04-15"],
    [2002, "2002-03-31"],
    [2008, "2008-03-23"],
    [2011, "2011-04-24"],
    [2019, "2019-04-21"],
    [2024, "2024-03-31"],
    [2025, "2025-04-20"],
    [2026, "2026-04-05"],
    [2027, "2027-03-28"],
    [2038, "2038-04-25"],
    [2049, "2049-04-18"],
    [2100, "2100-03-28"],
  ])("computes Easter Sunday %i as %s", (year, easter) => {
    expect(easterSunday(year)).toBe(easter);
  });

  describe("one-off changes", () => {
    it.each([
      [
        2002,
        [
          "2002-01-01",
          "2002-03-29",
          "2002-04-01",
          "2002-05-06",
          "2002-06-03",
          "2002-06-04",
          "2002-08-26",
          "2002-12-25",
          "2002-12-26",
        ],
      ],
      [
        2011,
        [
          "2011-01-03",
          "2011-04-22",
          "2011-04-25",
          "2011-04-29",
          "2011-05-02",
          "2011-05-30",
          "2011-08-29",
          "2011-12-26",
          "2011-12-27",
        ],
      ],
      [
        2012,
        [
          "2012-01-02",
          "2012-04-06",
          "2012-04-09",
          "2012-05-07",
          "2012-06-04",
          "2012-06-05",
          "2012-08-27",
          "2012-12-25",
          "2012-12-26",
        ],
      ],
      [
        2020,
        [
          "2020-01-01",
          "2020-04-10",
          "2020-04-13",
          "2020-05-08",
          "2020-05-25",
          "2020-08-31",
          "2020-12-25",
          "2020-12-28",
        ],
      ],
      [
        2022,
        [
          "2022-01-03",
          "2022-04-15",
          "2022-04-18",
          "2022-05-02",
          "2022-06-02",
          "2022-06-03",
          "2022-08-29",
          "2022-09-19",
          "2022-12-26",
          "2022-12-27",
        ],
      ],
      [
        2023,
        [
          "2023-01-02",
          "2023-04-07",
          "2023-04-10",
          "2023-05-01",
          "2023-05-08",
          "2023-05-29",
          "2023-08-28",
          "2023-12-25",
          "2023-12-26",
        ],
      ],
    ])("applies the proclaimed changes of %i", (year, expected) => {
      expect(datesOf(year)).toEqual(expected);
    });

    it("no longer treats the moved-from dates as holidays", () => {
      for (const change of ONE_OFF_CHANGES) if (change.kind === "moved") expect(isBankHoliday(change.from)).toBe(false);
    });
  });

  it("refuses years it cannot know (1995 had its own VE-Day change)", () => {
    expect(() => bankHolidays(1995)).toThrow(RangeError);
    expect(() => bankHolidays(FIRST_YEAR - 1)).toThrow(RangeError);
    expect(() => bankHolidays(LAST_YEAR + 1)).toThrow(RangeError);
    expect(() => isBankHoliday("2101-01-01")).toThrow(RangeError);
    expect(datesOf(FIRST_YEAR)).toHaveLength(8);
    expect(datesOf(LAST_YEAR)).toHaveLength(8);
  });

  it("gives every year from 2000 to 2100 sorted weekday holidays, Easter on a Sunday in 22 March–25 April (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: FIRST_YEAR, max: LAST_YEAR }), (year) => {
        const dates = datesOf(year);
        const oneOffs = ONE_OFF_CHANGES.filter((c) => c.kind === "added" && c.date.startsWith(`${year}-`)).length;
        expect(dates).toHaveLength(8 + oneOffs);
        expect([...dates].sort()).toEqual(dates);
        expect(new Set(dates).size).toBe(dates.length);
        for (const date of dates) {
          expect(date.startsWith(`${year}-`)).toBe(true);
          expect(isWeekend(date)).toBe(false);
          expect(isBankHoliday(date)).toBe(true);
        }
        const easter = easterSunday(year);
        expect(dayOfWeek(easter)).toBe(SUNDAY);
        expect(easter >= `${year}-03-22` && easter <= `${year}-04-25`).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
