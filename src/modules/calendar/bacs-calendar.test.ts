import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addWorkingDays,
  chargeDateFor,
  countWorkingDays,
  earliestChargeDate,
  isWorkingDay,
  nextWorkingDayOnOrAfter,
  noticeReached,
  submissionDateFor,
} from "./bacs-calendar.js";
import { addDays, fromDayNumber, toDayNumber } from "./plain-date.js";

// Dates from February 2000 to late 2099, so that a month either side stays inside the known calendar.
const anyDate = fc.integer({ min: toDayNumber("2000-02-01"), max: toDayNumber("2099-11-30") }).map(fromDayNumber);
const anyNotice = fc.integer({ min: 0, max: 45 });

describe("Bacs working days", () => {
  it("excludes weekends and bank holidays only", () => {
    expect(isWorkingDay("2026-04-02")).toBe(true); // Thursday before Easter
    expect(isWorkingDay("2026-04-03")).toBe(false); // Good Friday
    expect(isWorkingDay("2026-04-04")).toBe(false); // Saturday
    expect(isWorkingDay("2026-04-06")).toBe(false); // Easter Monday
    expect(isWorkingDay("2026-04-07")).toBe(true);
    expect(isWorkingDay("2026-11-30")).toBe(true); // St Andrew's Day: a Scottish holiday, not a Bacs one
    expect(isWorkingDay("2026-07-13")).toBe(true); // Battle of the Boyne (NI, observed): not a Bacs holiday
  });

  it("moves to the next working day only when needed", () => {
    expect(nextWorkingDayOnOrAfter("2026-04-07")).toBe("2026-04-07");
    expect(nextWorkingDayOnOrAfter("2026-04-03")).toBe("2026-04-07");
    expect(nextWorkingDayOnOrAfter("2026-12-25")).toBe("2026-12-29");
  });

  it.each([
    ["a Friday + 1 is the Monday", "2026-01-02", 1, "2026-01-05"],
    ["the Friday before a bank-holiday Monday + 1 is the Tuesday", "2026-05-22", 1, "2026-05-26"],
    ["Maundy Thursday + 1 skips Good Friday, the weekend and Easter Monday", "2026-04-02", 1, "2026-04-07"],
    ["Good Friday + 1 is the Tuesday after Easter Monday", "2026-04-03", 1, "2026-04-07"],
    [
      "Christmas Eve 2026 + 1 skips Christmas, the weekend and the Boxing Day substitute",
      "2026-12-24",
      1,
      "2026-12-29",
    ],
    ["a Saturday + 1 is the Monday", "2026-03-07", 1, "2026-03-09"],
    ["a Wednesday + 5 is the next Wednesday", "2026-03-04", 5, "2026-03-11"],
    ["0 working days leaves a weekend date alone", "2026-03-07", 0, "2026-03-07"],
    ["a Tuesday after Easter − 1 is Maundy Thursday", "2026-04-07", -1, "2026-04-02"],
    ["a Sunday − 1 is the Friday", "2026-03-08", -1, "2026-03-06"],
  ])("adds working days: %s", (_, date, n, expected) => {
    expect(addWorkingDays(date, n)).toBe(expected);
  });

  it("counts working days in (from, to]", () => {
    expect(countWorkingDays("2026-04-02", "2026-04-07")).toBe(1);
    expect(countWorkingDays("2026-04-07", "2026-04-02")).toBe(-1);
    expect(countWorkingDays("2026-03-02", "2026-03-02")).toBe(0);
    expect(countWorkingDays("2026-03-01", "2026-03-31")).toBe(22);
  });

  it("refuses fractional day counts and malformed dates", () => {
    expect(() => addWorkingDays("2026-03-02", 1.5)).toThrow(RangeError);
    expect(() => addWorkingDays("2 March 2026", 0)).toThrow(RangeError);
  });
});

describe("earliestChargeDate", () => {
  // Input on the next working day, then 2 more working days to the entry (charge) day.
  it.each([
    // Mon 2 Mar: input Tue 3, processing Wed 4, entry Thu 5.
    ["a Monday", "2026-03-02", "2026-03-05"],
    // Sat 28 Mar: input Mon 30, processing Tue 31, entry Wed 1 Apr.
    ["a Saturday: input is the Monday", "2026-03-28", "2026-04-01"],
    // Wed 1 Apr: input Thu 2, then Good Friday, the weekend and Easter Monday are skipped:
    // processing Tue 7, entry Wed 8.
    ["over Easter 2026", "2026-04-01", "2026-04-08"],
    // Wed 23 Dec: input Thu 24, then Christmas, the weekend and the Boxing Day substitute Mon 28:
    // processing Tue 29, entry Wed 30.
    ["over Christmas 2026", "2026-12-23", "2026-12-30"],
  ])("%s", (_, today, expected) => {
    expect(earliestChargeDate(today)).toBe(expected);
  });

  it("is 3 working days after today, whatever today is (property)", () => {
    fc.assert(
      fc.property(anyDate, (today) => {
        const earliest = earliestChargeDate(today);
        expect(isWorkingDay(earliest)).toBe(true);
        expect(countWorkingDays(today, earliest)).toBe(3);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("noticeReached", () => {
  it.each([
    // Mon 21 Dec, 10 working days: 22, 23, 24, 29, 30, 31 Dec, 4, 5, 6, 7 Jan.
    ["over Christmas", "2026-12-21", 10, "2027-01-07"],
    // Fri 21 Aug, 10 working days: 24–28 Aug, Mon 31 (Summer bank holiday) skipped, 1–4 Sep, Mon 7.
    ["over a bank holiday", "2026-08-21", 10, "2026-09-07"],
    // Sun 1 Mar, 3 working days: Mon 2, Tue 3, Wed 4.
    ["sent on a Sunday, the shortest agreed notice", "2026-03-01", 3, "2026-03-04"],
  ])("%s", (_, sentOn, workingDays, expected) => {
    expect(noticeReached({ sentOn, workingDays })).toBe(expected);
  });

  it("leaves exactly the notice period of working days between sending and the first charge (property)", () => {
    fc.assert(
      fc.property(anyDate, anyNotice, (sentOn, workingDays) => {
        const reached = noticeReached({ sentOn, workingDays });
        expect(countWorkingDays(sentOn, reached)).toBe(workingDays);
        if (workingDays > 0) expect(isWorkingDay(reached)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("chargeDateFor and submissionDateFor", () => {
  it("moves a requested weekend or holiday date forward, never back", () => {
    expect(chargeDateFor("2026-05-30", "2026-05-01")).toBe("2026-06-01"); // Saturday → Monday
    expect(chargeDateFor("2026-12-25", "2026-11-01")).toBe("2026-12-29"); // Christmas → Tuesday 29th
    expect(chargeDateFor("2026-06-10", "2026-05-01")).toBe("2026-06-10"); // already fine
  });

  it("never charges before the earliest charge date", () => {
    expect(chargeDateFor("2026-03-03", "2026-03-02")).toBe("2026-03-05");
  });

  it("submits two working days before the charge date", () => {
    expect(submissionDateFor("2026-03-12")).toBe("2026-03-10");
    expect(submissionDateFor("2026-03-02")).toBe("2026-02-26"); // Monday → the Thursday before
    expect(submissionDateFor("2026-04-07")).toBe("2026-04-01"); // across Easter: input Wed, processing Thu
    expect(() => submissionDateFor("2026-04-06")).toThrow(RangeError); // Easter Monday: Bacs cannot debit
  });

  it("returns a working day, on or after the requested and earliest dates, 3 working days out at least (property)", () => {
    fc.assert(
      fc.property(anyDate, fc.integer({ min: -30, max: 120 }), (today, offset) => {
        const requested = addDays(today, offset);
        const charge = chargeDateFor(requested, today);
        expect(isWorkingDay(charge)).toBe(true);
        expect(charge >= earliestChargeDate(today)).toBe(true);
        expect(charge >= requested).toBe(true);
        expect(countWorkingDays(today, charge)).toBeGreaterThanOrEqual(3);
      }),
      { numRuns: 1000 },
    );
  });

  it("submits on a working day exactly 2 working days before the charge, after today (property)", () => {
    fc.assert(
      fc.property(anyDate, fc.integer({ min: -30, max: 120 }), (today, offset) => {
        const charge = chargeDateFor(addDays(today, offset), today);
        const submission = submissionDateFor(charge);
        expect(isWorkingDay(submission)).toBe(true);
        expect(countWorkingDays(submission, charge)).toBe(2);
        expect(submission > today).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it("adds n working days that count back to n, landing on a working day (property)", () => {
    fc.assert(
      fc.property(anyDate, fc.integer({ min: 0, max: 60 }), (date, n) => {
        const later = addWorkingDays(date, n);
        expect(countWorkingDays(date, later)).toBe(n);
        if (n > 0) expect(isWorkingDay(later)).toBe(true);
        if (isWorkingDay(date)) expect(addWorkingDays(later, -n)).toBe(date);
      }),
      { numRuns: 1000 },
    );
  });
});
