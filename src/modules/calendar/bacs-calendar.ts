/**
 * bacs-calendar.ts: Bacs working days and the earliest date a Direct Debit collection can be charged.
 *
 * A Bacs working day (a "processing day") is Monday to Friday except England-and-Wales bank
 * holidays. Bacs moves a Direct Debit over a three-day cycle of working days:
 *   day 1, input day: the service user's file is submitted to Bacs;
 *   day 2, processing day: Bacs validates it and sends each entry to the payer's bank;
 *   day 3, entry day: the payer's account is debited. This is the charge date.
 * Weekends and bank holidays are not counted, so a file input on Thursday before Easter is charged
 * on the Tuesday after Easter Monday.
 */

import { isBankHoliday } from "./bank-holidays.js";
import { addDays, type IsoDate, isWeekend, maxDate, parseIsoDate } from "./plain-date.js";

/** Working days from input day (day 1) to entry day (day 3) of the Bacs three-day cycle. */
export const BACS_CYCLE_WORKING_DAYS = 2;

/**
 * Advance notice, in Bacs working days: the Direct Debit Guarantee promises the payer notice of the
 * amount and date of each collection 10 working days before it, "or as otherwise agreed"; an
 * organisation may agree a shorter period with its payers, never under 3 working days.
 */
export const DEFAULT_ADVANCE_NOTICE_WORKING_DAYS = 10;
export const MIN_ADVANCE_NOTICE_WORKING_DAYS = 3;
export const MAX_ADVANCE_NOTICE_WORKING_DAYS = 30;

/**
 * Notice is an advance notice the payer was sent: the Europe/London date it was sent, and the
 * organisation's notice period. A collection it announces may be charged from noticeReached(notice).
 */
export interface Notice {
  sentOn: IsoDate;
  workingDays: number;
}

/** noticeReached is the first day a collection announced by `notice` may be charged. */
export function noticeReached(notice: Notice): IsoDate {
  return addWorkingDays(notice.sentOn, notice.workingDays);
}

/** isWorkingDay says whether `date` is a Bacs working day: a weekday that is not a bank holiday. */
export function isWorkingDay(date: IsoDate): boolean {
  return !isWeekend(date) && !isBankHoliday(date);
}

/** nextWorkingDayOnOrAfter gives `date` itself if it is a working day, else the next one. */
export function nextWorkingDayOnOrAfter(date: IsoDate): IsoDate {
  let day = date;
  while (!isWorkingDay(day)) day = addDays(day, 1);
  return day;
}

/**
 * addWorkingDays moves `n` working days from `date`: forward for n > 0, back for n < 0, and
 * returns `date` unchanged for 0. `date` itself need not be a working day; every step lands on one,
 * so Friday + 1 is Monday (or Tuesday on a bank-holiday Monday).
 */
export function addWorkingDays(date: IsoDate, n: number): IsoDate {
  if (!Number.isInteger(n)) throw new RangeError(`n must be an integer, got ${n}`);
  parseIsoDate(date);
  const step = n < 0 ? -1 : 1;
  let day = date;
  for (let left = Math.abs(n); left > 0; ) {
    day = addDays(day, step);
    if (isWorkingDay(day)) left--;
  }
  return day;
}

/**
 * countWorkingDays counts the working days d with from < d ≤ to (negative, counted the same way
 * from `to`, when `to` is before `from`). countWorkingDays(d, addWorkingDays(d, n)) is n for n ≥ 0.
 */
export function countWorkingDays(from: IsoDate, to: IsoDate): number {
  parseIsoDate(from);
  parseIsoDate(to);
  if (to < from) return -countWorkingDays(to, from);
  let count = 0;
  for (let day = from; day < to; ) {
    day = addDays(day, 1);
    if (isWorkingDay(day)) count++;
  }
  return count;
}

/**
 * earliestChargeDate is the first date Bacs can charge a collection created `today`: input on the
 * next working day after today, then 2 more working days to the entry day. We never count today as
 * the input day because we do not model the Bacs input cut-off time: today's window may already
 * have closed, so this errs one day late, never early. Advance notice is the caller's (Notice).
 */
export function earliestChargeDate(today: IsoDate): IsoDate {
  const inputDay = addWorkingDays(today, 1);
  return addWorkingDays(inputDay, BACS_CYCLE_WORKING_DAYS);
}

/**
 * chargeDateFor turns the date a payer should be charged (`requested`, e.g. a schedule's nominal
 * date) into a real charge date: moved forward to the next working day if it is not one, and never
 * before earliestChargeDate(today). Charges are only ever moved later, never earlier, so the
 * payer is never debited before the date they were told.
 */
export function chargeDateFor(requested: IsoDate, today: IsoDate): IsoDate {
  return maxDate(nextWorkingDayOnOrAfter(requested), earliestChargeDate(today));
}

/**
 * submissionDateFor gives the input day (day 1 of the Bacs cycle) for a collection charged on
 * `chargeDate`: 2 working days before it. It throws RangeError if `chargeDate` is not a working day,
 * because Bacs cannot debit on one.
 */
export function submissionDateFor(chargeDate: IsoDate): IsoDate {
  if (!isWorkingDay(chargeDate)) throw new RangeError(`charge date ${chargeDate} is not a Bacs working day`);
  return addWorkingDays(chargeDate, -BACS_CYCLE_WORKING_DAYS);
}
