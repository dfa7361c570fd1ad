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
 * Calendar days of advance notice we give the payer by default. Direct Debit scheme rules expect
 * 10 days' notice of each collection unless the payer has agreed otherwise, and an agreed period
 * may not go below the scheme floor of 3 working days. Assumption to confirm: if the scheme text
 * counts the 10 in working days, 10 calendar days is too short; callers should then pass a larger
 * advanceNoticeDays (10 working days is at least 14 calendar days).
 */
export const DEFAULT_ADVANCE_NOTICE_DAYS = 10;

/** ChargeDateOptions tunes the charge-date rule. */
export interface ChargeDateOptions {
  /**
   * Calendar days between notifying the payer (assumed to happen `today`) and the charge date.
   * Defaults to DEFAULT_ADVANCE_NOTICE_DAYS. Values below the 3-working-day scheme floor are
   * allowed only because the Bacs cycle alone already keeps the charge date at least 3 working
   * days after today (next working day + 2), so the floor always holds.
   */
  advanceNoticeDays?: number;
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
 * earliestChargeDate is the first date a collection created `today` can be charged. It is the
 * later of:
 * - the Bacs cycle: input on the next working day after today, then 2 more working days to the
 *   entry day. We never count today as the input day because we do not model the Bacs input
 *   cut-off time: today's window may already have closed, so this errs one day late, never early;
 * - the advance notice: `advanceNoticeDays` calendar days after today (default 10);
 * moved forward to a working day if it falls on a weekend or bank holiday.
 */
export function earliestChargeDate(today: IsoDate, options: ChargeDateOptions = {}): IsoDate {
  const notice = options.advanceNoticeDays ?? DEFAULT_ADVANCE_NOTICE_DAYS;
  if (!Number.isInteger(notice) || notice < 0) {
    throw new RangeError(`advanceNoticeDays must be a non-negative integer, got ${notice}`);
  }
  const inputDay = addWorkingDays(today, 1);
  const bacsEarliest = addWorkingDays(inputDay, BACS_CYCLE_WORKING_DAYS);
  return nextWorkingDayOnOrAfter(maxDate(bacsEarliest, addDays(today, notice)));
}

/**
 * chargeDateFor turns the date a payer should be charged (`requested`, e.g. a schedule's nominal
 * date) into a real charge date: moved forward to the next working day if it is not one, and never
 * before earliestChargeDate(today). Charges are only ever moved later, never earlier, so the
 * payer is never debited before the date they were told.
 */
export function chargeDateFor(requested: IsoDate, today: IsoDate, options: ChargeDateOptions = {}): IsoDate {
  return maxDate(nextWorkingDayOnOrAfter(requested), earliestChargeDate(today, options));
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
