import { describe, expect, it } from "vitest";
import { checkSchedule, type NewSchedule } from "./schedule-fields.js";

const today = "2027-03-01";
const good: NewSchedule = {
  mandateId: "MD01",
  amountMinor: 125000n,
  currency: "",
  intervalUnit: "MONTHLY",
  interval: 0,
  dayOfMonth: 0,
  startDate: "2027-03-05",
  endDate: "",
  count: 0,
  description: " Rent ",
  metadata: {},
};

describe("checkSchedule", () => {
  it("fills the defaults of a valid request", () => {
    const { violations, valid } = checkSchedule(good, today);
    expect(violations).toEqual([]);
    expect(valid).toEqual({
      amountMinor: 125000,
      description: "Rent",
      plan: {
        intervalUnit: "MONTHLY",
        interval: 1,
        dayOfMonth: 5,
        startDate: "2027-03-05",
        endDate: null,
        count: null,
      },
    });
  });

  it("names every bad field at once", () => {
    const { violations, valid } = checkSchedule(
      { ...good, mandateId: "", amountMinor: 0n, currency: "EUR", intervalUnit: "", startDate: "2027-02-28" },
      today,
    );
    expect(valid).toBeUndefined();
    expect(violations.map((v) => v.field)).toEqual([
      "schedule.mandate_id",
      "schedule.amount_minor",
      "schedule.currency",
      "schedule.interval_unit",
      "schedule.start_date",
    ]);
  });

  it("takes 1p to £1,000,000.00 and names both units when it refuses", () => {
    expect(checkSchedule({ ...good, amountMinor: 100_000_000n }, today).violations).toEqual([]);
    for (const amountMinor of [0n, 100_000_001n])
      expect(checkSchedule({ ...good, amountMinor }, today).violations).toEqual([
        { field: "schedule.amount_minor", description: "must be 1 to 100000000 pence (£0.01 to £1,000,000.00)" },
      ]);
  });

  it("refuses a day of month past the 28th, and both end_date and count", () => {
    expect(checkSchedule({ ...good, dayOfMonth: 30 }, today).violations.map((v) => v.field)).toEqual([
      "schedule.day_of_month",
    ]);
    expect(checkSchedule({ ...good, startDate: "2027-03-30" }, today).violations.map((v) => v.field)).toEqual([
      "schedule.day_of_month",
    ]);
    expect(checkSchedule({ ...good, count: 3, endDate: "2027-12-31" }, today).violations.map((v) => v.field)).toEqual([
      "schedule.count",
    ]);
    expect(checkSchedule({ ...good, dayOfMonth: -1 }, today).valid?.plan.dayOfMonth).toBe(-1);
  });

  it("refuses dates past the bank-holiday calendar, which ends with 2100", () => {
    const fields = (schedule: Partial<NewSchedule>) =>
      checkSchedule({ ...good, ...schedule }, today).violations.map((v) => v.field);
    expect(fields({ startDate: "2100-01-01" })).toEqual(["schedule.start_date"]);
    expect(fields({ startDate: "2101-01-01" })).toEqual(["schedule.start_date"]);
    expect(fields({ endDate: "2100-01-01" })).toEqual(["schedule.end_date"]);
    expect(fields({ startDate: "2099-12-01", endDate: "2099-12-31" })).toEqual([]);
  });
});
