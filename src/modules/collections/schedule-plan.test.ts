import { describe, expect, it } from "vitest";
import { chargeDateFor } from "../calendar/bacs-calendar.js";
import {
  chargeDateOf,
  isDue,
  nextAfter,
  nominalDate,
  readyDay,
  type SchedulePlan,
  skipsInto,
} from "./schedule-plan.js";

const monthly: SchedulePlan = {
  intervalUnit: "MONTHLY",
  interval: 1,
  dayOfMonth: -1,
  startDate: "2027-01-10",
  endDate: null,
  count: null,
};

describe("nominalDate", () => {
  it("steps monthly schedules by `interval` months on their day", () => {
    expect([0, 1, 2].map((n) => nominalDate(monthly, n))).toEqual(["2027-01-31", "2027-02-28", "2027-03-31"]);
    const quarterly = { ...monthly, interval: 3, dayOfMonth: 5 };
    expect([0, 1, 2].map((n) => nominalDate(quarterly, n))).toEqual(["2027-02-05", "2027-05-05", "2027-08-05"]);
  });

  it("steps weekly schedules by 7 × interval days from start_date", () => {
    const fortnightly: SchedulePlan = { ...monthly, intervalUnit: "WEEKLY", interval: 2, dayOfMonth: 0 };
    expect([0, 1, 2].map((n) => nominalDate(fortnightly, n))).toEqual(["2027-01-10", "2027-01-24", "2027-02-07"]);
  });
});

describe("nextAfter", () => {
  it("ends after count collections, or past end_date", () => {
    expect(nextAfter({ ...monthly, count: 2 }, 1)).toBe("2027-02-28");
    expect(nextAfter({ ...monthly, count: 2 }, 2)).toBeNull();
    expect(nextAfter({ ...monthly, endDate: "2027-02-28" }, 1)).toBe("2027-02-28");
    expect(nextAfter({ ...monthly, endDate: "2027-02-27" }, 1)).toBeNull();
  });
});

describe("charge dates", () => {
  it("is due 14 days ahead", () => {
    expect(isDue("2027-03-15", "2027-03-01")).toBe(true);
    expect(isDue("2027-03-16", "2027-03-01")).toBe(false);
  });

  it("leaves room for a mandate's set-up, never charging earlier than for an active one", () => {
    expect(readyDay("ACTIVE", "2027-03-01")).toBe("2027-03-01");
    expect(readyDay("SUBMITTED", "2027-03-01")).toBe("2027-03-03");
    expect(readyDay("PENDING_SUBMISSION", "2027-03-05")).toBe("2027-03-10");
    for (const state of ["PENDING_CUSTOMER_APPROVAL", "PENDING_SUBMISSION", "SUBMITTED"]) {
      expect(chargeDateOf("2027-03-01", state, "2027-03-01", null) >= chargeDateFor("2027-03-01", "2027-03-01")).toBe(
        true,
      );
    }
  });
});

describe("charge dates and notice", () => {
  // Monday 2 March 2026 with 10 working days' notice sent that day: no charge before Mon 16 March.
  const notice = { sentOn: "2026-03-02", workingDays: 10 };

  it("waits for the notice period, counted in working days from the notice", () => {
    expect(chargeDateOf("2026-03-03", "ACTIVE", "2026-03-02", notice)).toBe("2026-03-16");
    expect(chargeDateOf("2026-03-20", "ACTIVE", "2026-03-02", notice)).toBe("2026-03-20");
    // A notice sent long ago holds back nothing: only Bacs's cycle counts.
    expect(chargeDateOf("2026-05-01", "ACTIVE", "2026-04-28", notice)).toBe("2026-05-01");
    expect(chargeDateOf("2026-04-28", "ACTIVE", "2026-04-28", notice)).toBe("2026-05-01");
  });

  it("with no notice to wait for, is the Bacs date alone", () => {
    expect(chargeDateOf("2026-03-03", "ACTIVE", "2026-03-02", null)).toBe("2026-03-05");
  });
});

describe("skipsInto", () => {
  // Monday 2 March 2026; with 10 working days' notice sent that day an ACTIVE mandate's earliest
  // charge date is Monday 16 March.
  const notice = { sentOn: "2026-03-02", workingDays: 10 };
  const weekly: SchedulePlan = {
    intervalUnit: "WEEKLY",
    interval: 1,
    dayOfMonth: 0,
    startDate: "2026-03-02",
    endDate: null,
    count: null,
  };

  it("skips the dates the notice period pushes onto a later date's charge day, and only those", () => {
    // 2 March and 9 March both land on 16 March: the first is skipped; 16 March itself is its own date.
    const charge = (nominal: string) => chargeDateOf(nominal, "ACTIVE", "2026-03-02", notice);
    expect(charge("2026-03-02")).toBe(charge("2026-03-09"));
    expect(skipsInto(weekly, 0, "ACTIVE", "2026-03-02", notice)).toBe(true);
    expect(skipsInto(weekly, 1, "ACTIVE", "2026-03-02", notice)).toBe(true);
    expect(skipsInto(weekly, 2, "ACTIVE", "2026-03-02", notice)).toBe(false);
  });

  it("never skips the last date before end_date, nor dates charged on time", () => {
    expect(skipsInto({ ...weekly, endDate: "2026-03-08" }, 0, "ACTIVE", "2026-03-02", notice)).toBe(false);
    expect(skipsInto(weekly, 3, "ACTIVE", "2026-03-02", notice)).toBe(false);
  });
});
