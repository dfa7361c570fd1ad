import { describe, expect, it } from "vitest";
import { addWorkingDays } from "../calendar/bacs-calendar.js";
import { addDays } from "../calendar/plain-date.js";
import { AUDDIS_WORKING_DAYS, latestDueSubmissionDay } from "./mandate-steps.js";

describe("latestDueSubmissionDay", () => {
  it("lets a mandate submitted on a working day activate exactly two working days later", () => {
    // Tue 2027-03-23 … Tue 2027-04-06, across Easter (Good Friday 26 Mar, Easter Monday 29 Mar).
    for (let day = "2027-03-23"; day <= "2027-04-06"; day = addDays(day, 1)) {
      const submitted = day;
      const activation = addWorkingDays(submitted, AUDDIS_WORKING_DAYS);
      const dayBefore = addWorkingDays(activation, -1);
      expect(latestDueSubmissionDay(activation) >= submitted, `${submitted} due on ${activation}`).toBe(true);
      expect(latestDueSubmissionDay(dayBefore) < submitted, `${submitted} not due on ${dayBefore}`).toBe(true);
    }
  });

  it("counts a Saturday submission like Friday's", () => {
    expect(latestDueSubmissionDay("2027-01-12")).toBe("2027-01-10"); // Tue: Fri 8th, Sat, Sun are due
  });
});
