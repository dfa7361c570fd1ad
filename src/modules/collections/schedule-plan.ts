/**
 * schedule-plan.ts is the arithmetic of a collection schedule, without the database: the nominal
 * date of its n-th collection, when that collection is due to be created, the charge date it gets,
 * and whether the schedule ends. Nominal dates come from schedule-dates.ts; chargeDateFor in
 * bacs-calendar.ts moves each to a date Bacs can debit, never earlier.
 */
import {
  addWorkingDays,
  chargeDateFor,
  type Notice,
  nextWorkingDayOnOrAfter,
  noticeReached,
} from "../calendar/bacs-calendar.js";
import { addDays, type IsoDate, maxDate } from "../calendar/plain-date.js";
import type { IntervalUnitName } from "./collection-lifecycle.js";
import { monthlyDates } from "./schedule-dates.js";

/** SchedulePlan is what the dates of a schedule depend on. */
export interface SchedulePlan {
  intervalUnit: IntervalUnitName;
  interval: number;
  /** Monthly: 1–28 or -1; weekly: ignored. */
  dayOfMonth: number;
  startDate: IsoDate;
  endDate: IsoDate | null;
  count: number | null;
}

/**
 * MATERIALISE_LEAD_DAYS is how many calendar days before its nominal date a collection is created.
 * It exceeds the Bacs cycle, so a collection created on time keeps its nominal date (moved to a
 * working day); a late run only moves charge dates later. Advance notice does not count here: the
 * schedule's notice, sent when its terms were set, announced every date that follows.
 */
export const MATERIALISE_LEAD_DAYS = 14;

/** nominalDate is the n-th (0-based) schedule date, before any move to a working day. */
export function nominalDate(plan: SchedulePlan, n: number): IsoDate {
  if (plan.intervalUnit === "WEEKLY") return addDays(plan.startDate, 7 * plan.interval * n);
  const months = monthlyDates(plan.startDate, plan.dayOfMonth, { count: n * plan.interval + 1 });
  return months[n * plan.interval]!;
}

/** isDue says whether a collection with this nominal date should be created `today`. */
export function isDue(nominal: IsoDate, today: IsoDate): boolean {
  return nominal <= addDays(today, MATERIALISE_LEAD_DAYS);
}

/**
 * readyDay is the first day a mandate in `mandateState` can be treated as set up, counting from
 * `today`. Bacs lets the first collection go after the instruction is lodged (AUDDIS); we assume
 * lodging on the next working day and 2 more working days for the payer's bank, so a mandate
 * pending submission (or still awaiting the payer) is ready 3 working days on, a submitted one 2.
 * The assumption errs late: charge dates computed from it are never earlier than Bacs allows.
 */
export function readyDay(mandateState: string, today: IsoDate): IsoDate {
  if (mandateState === "SUBMITTED") return addWorkingDays(today, 2);
  if (mandateState === "PENDING_SUBMISSION" || mandateState === "PENDING_CUSTOMER_APPROVAL")
    return addWorkingDays(today, 3);
  return today;
}

/**
 * chargeDateOf is the charge date of a collection with this nominal date created `today`: a date
 * Bacs can charge once the mandate is set up, and not before the payer's `notice` has run its
 * period. `notice` is null only when moving a collection later than a date the payer was already
 * given notice of.
 */
export function chargeDateOf(nominal: IsoDate, mandateState: string, today: IsoDate, notice: Notice | null): IsoDate {
  const date = chargeDateFor(nominal, readyDay(mandateState, today));
  return notice ? maxDate(date, nextWorkingDayOnOrAfter(noticeReached(notice))) : date;
}

/**
 * announcedDate is the day the schedule's notice (`told`) said a schedule date is charged on: its
 * working day, or, for a date inside that notice's period, the first day the period allows (the
 * notice named that as the first payment).
 */
export function announcedDate(nominal: IsoDate, told: Notice): IsoDate {
  return maxDate(nextWorkingDayOnOrAfter(nominal), nextWorkingDayOnOrAfter(noticeReached(told)));
}

/**
 * noticeFor is the notice a schedule date created `today` is charged under: the schedule's own
 * (`told`), unless the date is created too late for the day it announced (a suspension kept it
 * from being created, processing did not run, the mandate is still being set up). Then it would be
 * charged on a day the payer was never told of, so it takes a notice of its own, sent today, and
 * its charge date leaves that notice its whole period.
 */
export function noticeFor(nominal: IsoDate, mandateState: string, today: IsoDate, told: Notice): Notice {
  if (told.sentOn >= today) return told;
  const late = chargeDateOf(nominal, mandateState, today, told) > announcedDate(nominal, told);
  return late ? { sentOn: today, workingDays: told.workingDays } : told;
}

/**
 * nextAfter is the nominal date of schedule date number `index` (0-based) once `created`
 * collections exist, or null when the schedule is finished: after `count` collections, or past
 * end_date. `index` exceeds `created` by the dates skipped (skipsInto).
 */
export function nextAfter(plan: SchedulePlan, created: number, index: number = created): IsoDate | null {
  if (plan.count !== null && created >= plan.count) return null;
  const next = nominalDate(plan, index);
  return plan.endDate !== null && next > plan.endDate ? null : next;
}

/**
 * skipsInto says whether schedule date `index` must be skipped because it would be charged on the
 * same day as the date after it: the notice period or the mandate's set-up (or a suspension that
 * kept dates from being created) pushed it onto that date. Charging both would debit the payer
 * twice in one day, so a schedule's collections keep distinct charge dates, in schedule order, and
 * the later date of the two (the one the payer would expect next) is the one charged.
 */
export function skipsInto(
  plan: SchedulePlan,
  index: number,
  mandateState: string,
  today: IsoDate,
  notice: Notice,
): boolean {
  const following = nominalDate(plan, index + 1);
  if (plan.endDate !== null && following > plan.endDate) return false;
  const chargeOf = (nominal: IsoDate) => chargeDateOf(nominal, mandateState, today, notice);
  return chargeOf(following) <= chargeOf(nominalDate(plan, index));
}
