/**
 * upcoming-charge.ts predicts charge dates of a live schedule without creating collections: when
 * today's notice allows a charge, and what date its next collection would be given.
 */
import { type Notice, nextWorkingDayOnOrAfter, noticeReached } from "../calendar/bacs-calendar.js";
import type { IsoDate } from "../calendar/plain-date.js";
import type { CollectionSchedule } from "./collection-schedule.entity.js";
import { planOf } from "./materialise.js";
import { chargeDateOf, nominalDate, noticeFor, skipsInto } from "./schedule-plan.js";

/** noticeBoundary is the first day a notice sent `today` allows a collection to be charged. */
export function noticeBoundary(today: IsoDate, workingDays: number): IsoDate {
  return nextWorkingDayOnOrAfter(noticeReached({ sentOn: today, workingDays }));
}

/**
 * upcomingChargeDate is the charge date createNextCollection would give the schedule's next
 * collection today when the payer was told of its dates by `told` (after the dates it would skip,
 * and later still if it is too late for its date: noticeFor), without creating it; null when the
 * schedule has no next date.
 */
export function upcomingChargeDate(
  schedule: CollectionSchedule,
  mandateState: string,
  today: IsoDate,
  told: Notice,
): IsoDate | null {
  if (schedule.nextNominalDate == null) return null;
  const plan = planOf(schedule);
  const noticeOf = (nominal: IsoDate) => noticeFor(nominal, mandateState, today, told);
  let index = schedule.createdCollectionCount + schedule.skippedDateCount;
  let nominal = schedule.nextNominalDate;
  while (skipsInto(plan, index, mandateState, today, noticeOf(nominal))) {
    index += 1;
    nominal = nominalDate(plan, index);
  }
  return chargeDateOf(nominal, mandateState, today, noticeOf(nominal));
}

/**
 * nextChargeDateToday is the charge date of an ACTIVE schedule's next collection were it created
 * under notice given today; null when the schedule is not active or has no date left to charge.
 */
export function nextChargeDateToday(
  schedule: CollectionSchedule,
  mandateState: string,
  today: IsoDate,
  workingDays: number,
): IsoDate | null {
  if (schedule.state !== "ACTIVE") return null;
  const next = upcomingChargeDate(schedule, mandateState, today, { sentOn: today, workingDays });
  return next === null || (schedule.endDate != null && next > schedule.endDate) ? null : next;
}
