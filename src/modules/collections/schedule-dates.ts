/**
 * schedule-dates.ts: the nominal dates of a collection schedule (monthly on a day, or weekly).
 *
 * Nominal dates ignore working days on purpose: the payer agreed to "the 1st of each month", and
 * chargeDateFor() in bacs-calendar.ts moves each one to a date Bacs can actually debit.
 */

import { addDays, daysInMonth, formatIsoDate, type IsoDate, parseIsoDate } from "../calendar/plain-date.js";

/** LAST_DAY_OF_MONTH as `dayOfMonth` asks for the last day of every month. */
export const LAST_DAY_OF_MONTH = -1;

/**
 * ScheduleEnd says when a schedule stops: after `count` dates, after `until` (inclusive), or at
 * whichever comes first when both are given.
 */
export type ScheduleEnd = { count: number; until?: IsoDate } | { count?: number; until: IsoDate };

function checkEnd(end: ScheduleEnd): void {
  if (end.count === undefined && end.until === undefined)
    throw new RangeError("a schedule needs a count or an until date");
  if (end.count !== undefined && (!Number.isInteger(end.count) || end.count < 0)) {
    throw new RangeError(`count must be a non-negative integer, got ${end.count}`);
  }
  if (end.until !== undefined) parseIsoDate(end.until);
}

function isDone(dates: readonly IsoDate[], next: IsoDate, end: ScheduleEnd): boolean {
  return (end.count !== undefined && dates.length >= end.count) || (end.until !== undefined && next > end.until);
}

/**
 * monthlyDates lists the nominal dates of a monthly schedule: day `dayOfMonth` (1–31, or -1 for the
 * last day) of each month, from the first such date on or after `start`. Days 29–31 fall on the
 * last day of shorter months (31 → 30 April, 28 or 29 February) and return to the asked day after.
 */
export function monthlyDates(start: IsoDate, dayOfMonth: number, end: ScheduleEnd): IsoDate[] {
  if (!Number.isInteger(dayOfMonth) || !(dayOfMonth === LAST_DAY_OF_MONTH || (dayOfMonth >= 1 && dayOfMonth <= 31))) {
    throw new RangeError(`dayOfMonth must be 1–31 or -1 (last day), got ${dayOfMonth}`);
  }
  checkEnd(end);
  let { year, month } = parseIsoDate(start);
  const dates: IsoDate[] = [];
  for (;;) {
    const last = daysInMonth(year, month);
    const date = formatIsoDate(year, month, dayOfMonth === LAST_DAY_OF_MONTH ? last : Math.min(dayOfMonth, last));
    if (date >= start) {
      if (isDone(dates, date, end)) return dates;
      dates.push(date);
    }
    [year, month] = month === 12 ? [year + 1, 1] : [year, month + 1];
  }
}

/** weeklyDates lists the nominal dates of a weekly schedule: `start`, then every 7 days. */
export function weeklyDates(start: IsoDate, end: ScheduleEnd): IsoDate[] {
  parseIsoDate(start);
  checkEnd(end);
  const dates: IsoDate[] = [];
  for (let date = start; !isDone(dates, date, end); date = addDays(date, 7)) dates.push(date);
  return dates;
}
