/**
 * schedule-fields.ts validates a CreateCollectionSchedule request field by field, with the proto
 * paths ("schedule.amount_minor"), so one INVALID_ARGUMENT names every bad field, and returns the
 * schedule's normalised plan (defaults applied) when there is none.
 */

import { LAST_YEAR } from "../calendar/bank-holidays.js";
import { type IsoDate, isIsoDate, parseIsoDate } from "../calendar/plain-date.js";
import type { FieldViolation } from "../errors.js";
import { checkMetadata, lengthOf } from "../mandates/mandate-fields.js";
import { type IntervalUnitName, intervalUnits } from "./collection-lifecycle.js";
import { LAST_DAY_OF_MONTH } from "./schedule-dates.js";
import type { SchedulePlan } from "./schedule-plan.js";

/**
 * maxAmountMinor is the largest amount per collection: £1,000,000. Bacs itself allows far more,
 * but a rent collection above this is a typing error far more often than a real rent, and the
 * cap keeps sums of amounts well inside exact integers.
 */
export const maxAmountMinor = 100_000_000n;
/** maxAmountPounds is maxAmountMinor as staff read it: "£1,000,000.00". */
const maxAmountPounds = `£${(maxAmountMinor / 100n).toLocaleString("en-GB")}.${String(maxAmountMinor % 100n).padStart(2, "0")}`;
/** maxInterval is the longest period: 12 units (yearly for monthly schedules). */
export const maxInterval = 12;
/** maxCount caps `count`: 1,000 collections is over 19 years weekly. */
export const maxCount = 1000;
/**
 * latestScheduleDate bounds start_date and end_date. The bank-holiday calendar answers up to the end
 * of LAST_YEAR only (it throws beyond); ending schedule dates a year earlier leaves room for moving
 * a date to the next working day and past the lead times without leaving the calendar.
 */
export const latestScheduleDate = `${LAST_YEAR - 1}-12-31`;
const maxDescriptionLength = 100;
const controlCharacters = /\p{Cc}/u;

/** amountProblem says why `amountMinor` cannot be a collection's amount, or is undefined when it can. */
export function amountProblem(amountMinor: bigint): string | undefined {
  if (amountMinor >= 1n && amountMinor <= maxAmountMinor) return undefined;
  return `must be 1 to ${maxAmountMinor} pence (£0.01 to ${maxAmountPounds})`;
}

/**
 * checkPayment checks what every new collection or schedule names: its mandate, its amount and its
 * currency (GBP, or empty for GBP). `bad` records a violation of the named field.
 */
export function checkPayment(
  input: { mandateId: string; amountMinor: bigint; currency: string },
  bad: (field: string, description: string) => void,
): void {
  if (input.mandateId === "") bad("mandate_id", "is required");
  const amount = amountProblem(input.amountMinor);
  if (amount) bad("amount_minor", amount);
  if (input.currency !== "" && input.currency !== "GBP") bad("currency", 'must be "GBP" (or empty, meaning "GBP")');
}

/** checkDescription checks a description the payer reads: at most 100 characters, no control characters. */
export function checkDescription(description: string, field: string, violations: FieldViolation[]): void {
  if (lengthOf(description) > maxDescriptionLength)
    violations.push({ field, description: `must be at most ${maxDescriptionLength} characters` });
  else if (controlCharacters.test(description))
    violations.push({ field, description: "must not contain control characters" });
}

/** NewSchedule is a create request in plain values, as the contract has them (0 and "" for unset). */
export interface NewSchedule {
  mandateId: string;
  amountMinor: bigint;
  currency: string;
  /** "WEEKLY", "MONTHLY", or anything else (refused). */
  intervalUnit: string;
  interval: number;
  dayOfMonth: number;
  startDate: string;
  endDate: string;
  count: number;
  description: string;
  metadata: Readonly<Record<string, string>>;
}

/** ValidSchedule is a request that passed: its plan with the defaults filled in. */
export interface ValidSchedule {
  plan: SchedulePlan;
  amountMinor: number;
  description: string;
}

const path = (field: string) => `schedule.${field}`;

/** checkSchedule returns the violations of `input` (empty when valid) and, if valid, its plan. */
export function checkSchedule(
  input: NewSchedule,
  today: IsoDate,
): { violations: FieldViolation[]; valid?: ValidSchedule } {
  const violations: FieldViolation[] = [];
  const bad = (field: string, description: string) => violations.push({ field: path(field), description });

  checkPayment(input, bad);
  const unit = intervalUnits.find((u) => u === input.intervalUnit) as IntervalUnitName | undefined;
  if (!unit) bad("interval_unit", "must be INTERVAL_UNIT_WEEKLY or INTERVAL_UNIT_MONTHLY");
  if (!Number.isInteger(input.interval) || input.interval < 0 || input.interval > maxInterval)
    bad("interval", `must be 1 to ${maxInterval} (0 means 1)`);

  const startValid = isIsoDate(input.startDate);
  if (input.startDate === "") bad("start_date", "is required");
  else if (!startValid) bad("start_date", "must be a calendar date YYYY-MM-DD");
  else if (input.startDate < today) bad("start_date", `must be today (${today}, Europe/London) or later`);
  else if (input.startDate > latestScheduleDate) bad("start_date", `must be ${latestScheduleDate} or earlier`);

  let dayOfMonth = input.dayOfMonth;
  if (unit === "MONTHLY") {
    if (dayOfMonth === 0) {
      // Without a valid start_date there is no day to take; start_date's own violation says why.
      dayOfMonth = startValid ? parseIsoDate(input.startDate).day : 1;
      if (dayOfMonth > 28)
        bad("day_of_month", "is required when start_date is the 29th, 30th or 31st (use 1–28 or -1 for the last day)");
    } else if (dayOfMonth !== LAST_DAY_OF_MONTH && !(dayOfMonth >= 1 && dayOfMonth <= 28)) {
      bad("day_of_month", "must be 1 to 28, or -1 for the last day of the month");
    }
  } else if (unit === "WEEKLY" && dayOfMonth !== 0) {
    bad("day_of_month", "must be 0 for a weekly schedule (it charges on the weekday of start_date)");
  }

  if (input.endDate !== "") {
    if (!isIsoDate(input.endDate)) bad("end_date", "must be a calendar date YYYY-MM-DD");
    else if (startValid && input.endDate < input.startDate) bad("end_date", "must not be before start_date");
    else if (input.endDate > latestScheduleDate) bad("end_date", `must be ${latestScheduleDate} or earlier`);
  }
  if (!Number.isInteger(input.count) || input.count < 0 || input.count > maxCount)
    bad("count", `must be 0 (no limit) to ${maxCount}`);
  else if (input.count > 0 && input.endDate !== "")
    bad("count", "must be 0 when end_date is set: give at most one of end_date and count");

  checkDescription(input.description, path("description"), violations);
  checkMetadata(input.metadata, path("metadata"), violations);

  if (violations.length > 0 || !unit) return { violations };
  return {
    violations,
    valid: {
      amountMinor: Number(input.amountMinor),
      description: input.description.trim(),
      plan: {
        intervalUnit: unit,
        interval: input.interval === 0 ? 1 : input.interval,
        dayOfMonth: unit === "MONTHLY" ? dayOfMonth : 0,
        startDate: input.startDate,
        endDate: input.endDate === "" ? null : input.endDate,
        count: input.count === 0 ? null : input.count,
      },
    },
  };
}
