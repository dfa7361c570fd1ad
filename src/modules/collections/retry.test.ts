import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../errors.js";
import { checkRetryRequest, type RetryDates, retryChargeDate, retryWindowEnd } from "./retry.js";

describe("retryWindowEnd", () => {
  it.each([
    ["2026-12-10", "2027-01-10"],
    ["2027-01-31", "2027-02-28"],
    ["2028-01-30", "2028-02-29"],
    ["2027-03-31", "2027-04-30"],
    ["2027-12-31", "2028-01-31"],
  ])("ends a month after %s, on %s", (original, end) => {
    expect(retryWindowEnd(original)).toBe(end);
  });
});

/** Tuesday 5 January 2027 at the earliest; Wednesday 6th taken; the window to Wednesday 20th. */
const dates: RetryDates = {
  earliest: "2027-01-05",
  windowEnd: "2027-01-20",
  noticeWorkingDays: 10,
  taken: new Map([["2027-01-06", "collection CL0"]]),
};

function refusal(requested: string): string {
  try {
    retryChargeDate(requested, dates);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    const { violations } = error as InvalidArgumentError;
    expect(violations.map((v) => v.field)).toEqual(["charge_date"]);
    return violations[0]!.description;
  }
  throw new Error(`${requested} was accepted`);
}

describe("retryChargeDate", () => {
  it("takes the earliest free working day when none is asked for", () => {
    expect(retryChargeDate("", dates)).toBe("2027-01-05");
    expect(retryChargeDate("", { ...dates, taken: new Map([["2027-01-05", "collection CL0"]]) })).toBe("2027-01-06");
  });

  it("moves an asked date that is no working day to the next one", () => {
    expect(retryChargeDate("2027-01-09", dates)).toBe("2027-01-11");
    expect(retryChargeDate("2027-01-20", dates)).toBe("2027-01-20");
  });

  it("refuses a date before the earliest, naming it", () => {
    expect(refusal("2027-01-04")).toContain("the earliest is 2027-01-05");
  });

  it("refuses a date after the window, naming its last day, also when only the move takes it there", () => {
    expect(refusal("2027-01-21")).toContain("the last day is 2027-01-20");
    expect(refusal("2027-02-01")).toContain("within one month of the first charge date");
  });

  it("refuses a taken day, naming what takes it", () => {
    expect(refusal("2027-01-06")).toContain("taken by collection CL0");
  });
});

describe("checkRetryRequest", () => {
  it("needs the collection and a calendar date if any", () => {
    expect(() => checkRetryRequest({ collectionId: "", chargeDate: "" }, "2027-01-04")).toThrow(
      "collection_id: is required",
    );
    expect(() => checkRetryRequest({ collectionId: "CL1", chargeDate: "2027-02-30" }, "2027-01-04")).toThrow(
      "charge_date",
    );
    expect(() => checkRetryRequest({ collectionId: "CL1", chargeDate: "" }, "2027-01-04")).not.toThrow();
    // Outside any window, and outside the calendar's years: refused before the calendar is asked.
    for (const date of ["1999-06-01", "2027-01-03", "2028-01-05", "2101-01-03"])
      expect(() => checkRetryRequest({ collectionId: "CL1", chargeDate: date }, "2027-01-04")).toThrow("charge_date");
  });
});
