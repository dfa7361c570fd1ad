/**
 * upcoming-charge.ts predicts charge dates of a live schedule without creating collections: when
 * today's notice allows a charge, and what date its next collection would be given.
 */
import { type Notice, nextWorkingDayOnOrAfter, noticeReached } from "../calendar/bacs-calendar.js";
import type { IsoDate } from "../calendar/plain-date.js";
import type { CollectionSchedule } from "./collection-schedule.entity.js";
import { planOf } from "./materialise.js";
import { chargeDateOf, nominalDate, skipsInto } from "./schedule-plan.js";

/** noticeBoundary is the first day a notice sent `today` allows a collection to be charged. */
export function noticeBoundary(today: IsoDate, workingDays: number): IsoDate {
  return nextWorkingDayOnOrAfter(noticeReached({ sentOn: today, workingDays }));
}

/**
 * upcomingChargeDate is the charge date createNextCollection would give the schedule's next
 * collection today under `notice` (after the dates it would skip), without creating it; null when
 * the schedule has no next date.
 */
export function upcomingChargeDate(
  schedule: CollectionSchedule,
  mandateState: string,
  today: IsoDate,
  notice: Notice,
): IsoDate | null {
  if (schedule.nextNominalDate == null) return null;
  const plan = planOf(schedule);
  let index = schedule.createdCollectionCount + schedule.skippedDateCount;
  let nominal = schedule.nextNominalDate;
  while (skipsInto(plan, index, mandateState, today, notice)) {
    index += 1;
    nominal = nominalDate(plan, index);
  }
  return chargeDateOf(nominal, mandateState, today, notice);
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
