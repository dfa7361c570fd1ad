/**
 * report-intervals.ts cuts a report's date range into its rows: calendar days, Monday-to-Sunday
 * weeks or calendar months of Europe/London, the first and last cut to the range. Charge dates are
 * London calendar dates already, so this is pure date arithmetic (plain-date.ts), no time zones.
 * The database groups collections by the uncut start of their interval (`intervalStart`, the same
 * as PostgreSQL's date_trunc); `reportPeriods` gives each row that key, so the rows without
 * collections can be filled with zeros.
 */

import {
  addDays,
  dayOfWeek,
  daysInMonth,
  formatIsoDate,
  type IsoDate,
  isIsoDate,
  MONDAY,
  parseIsoDate,
} from "../calendar/plain-date.js";
import type { FieldViolation } from "../errors.js";

/** reportIntervals are the row lengths of a report (ReportInterval without its prefix). */
export const reportIntervals = ["DAY", "WEEK", "MONTH"] as const;
/** ReportIntervalName is the length of one row of a report. */
export type ReportIntervalName = (typeof reportIntervals)[number];

/** MAX_RANGE_MONTHS bounds a report: `to` must come before `from` + 24 months. */
export const MAX_RANGE_MONTHS = 24;

/** ReportPeriod is one row of a report: inclusive dates, and the uncut start of its interval. */
export interface ReportPeriod {
  startDate: IsoDate;
  endDate: IsoDate;
  /** The first day of the whole interval (before the cut to `from`): the database's bucket key. */
  key: IsoDate;
}

/** isReportInterval says whether `value` names a report interval. */
export function isReportInterval(value: string): value is ReportIntervalName {
  return (reportIntervals as readonly string[]).includes(value);
}

/**
 * addMonths moves `date` by whole calendar months, keeping the day of the month or, when the
 * target month is shorter, taking its last day (31 January + 1 month = 28 or 29 February).
 */
export function addMonths(date: IsoDate, months: number): IsoDate {
  if (!Number.isInteger(months)) throw new RangeError(`months must be an integer, got ${months}`);
  const { year, month, day } = parseIsoDate(date);
  const index = year * 12 + (month - 1) + months;
  const [y, m] = [Math.floor(index / 12), (index % 12) + 1];
  return formatIsoDate(y, m, Math.min(day, daysInMonth(y, m)));
}

/** intervalStart is the first day of the interval holding `date`: itself, its week's Monday, or the 1st. */
export function intervalStart(date: IsoDate, interval: ReportIntervalName): IsoDate {
  switch (interval) {
    case "DAY":
      return date;
    case "WEEK":
      return addDays(date, -((dayOfWeek(date) - MONDAY + 7) % 7));
    case "MONTH":
      return `${date.slice(0, 8)}01`;
  }
}

/** nextIntervalStart is the first day of the interval after the one starting on `start`. */
function nextIntervalStart(start: IsoDate, interval: ReportIntervalName): IsoDate {
  switch (interval) {
    case "DAY":
      return addDays(start, 1);
    case "WEEK":
      return addDays(start, 7);
    case "MONTH":
      return addMonths(start, 1);
  }
}

/** The last date a report may cover; later dates are refused rather than overflow the calendar. */
export const LATEST_REPORT_DATE = "9997-12-31";

/**
 * checkReportRange lists what is wrong with a report's range: both dates required and real, `to`
 * not before `from`, and `to` before `from` + 24 months (so at most 24 whole months).
 */
export function checkReportRange(from: string, to: string): FieldViolation[] {
  const violations: FieldViolation[] = [];
  for (const [field, value] of [
    ["from", from],
    ["to", to],
  ] as const) {
    if (value === "") violations.push({ field, description: "is required" });
    else if (!isIsoDate(value)) violations.push({ field, description: "must be a calendar date YYYY-MM-DD" });
    // Interval arithmetic runs up to 24 months past `from`: keep it inside the year 9999.
    else if (value > LATEST_REPORT_DATE)
      violations.push({ field, description: `must be ${LATEST_REPORT_DATE} or earlier` });
  }
  if (violations.length > 0) return violations;
  if (to < from) return [{ field: "to", description: "must not be before from" }];
  const limit = addMonths(from, MAX_RANGE_MONTHS);
  if (to >= limit) {
    violations.push({
      field: "to",
      description: `must be less than ${MAX_RANGE_MONTHS} months after from: ${addDays(limit, -1)} at the latest`,
    });
  }
  return violations;
}

/**
 * reportPeriods lists the rows of a report over [from, to] (a range checkReportRange accepts),
 * oldest first and without gaps: one per interval, the first starting on `from` and the last
 * ending on `to`.
 */
export function reportPeriods(from: IsoDate, to: IsoDate, interval: ReportIntervalName): ReportPeriod[] {
  if (to < from) throw new RangeError(`to ${to} is before from ${from}`);
  const periods: ReportPeriod[] = [];
  for (let key = intervalStart(from, interval); key <= to; key = nextIntervalStart(key, interval)) {
    const end = addDays(nextIntervalStart(key, interval), -1);
    periods.push({ startDate: key < from ? from : key, endDate: end > to ? to : end, key });
  }
  return periods;
}
