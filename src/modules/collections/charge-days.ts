/**
 * charge-days.ts finds the days a mandate is already to be debited on, so a one-off collection or a
 * re-presentation never lands on one. A day is taken by a collection not failed or cancelled, or by
 * a date one of the mandate's ACTIVE or PAUSED schedules will charge and has not created yet
 * (charged on its date moved to a working day, as a collection created in time is).
 *
 * Schedules do not consult it: their dates follow the plan the payer was told of, and moving one for
 * a one-off would need a notice of its own the lead time may not leave room for. So a schedule
 * created, resumed or caught up after a one-off may charge on the one-off's day; Bacs allows it,
 * and each debit has its advance notice (collections.proto, CollectionSchedule).
 */
import type { EntityManager } from "@mikro-orm/postgresql";
import { nextWorkingDayOnOrAfter } from "../calendar/bacs-calendar.js";
import { addDays, type IsoDate } from "../calendar/plain-date.js";
import { Collection } from "./collection.entity.js";
import { CollectionSchedule } from "./collection-schedule.entity.js";
import { planOf } from "./materialise.js";
import { nextAfter } from "./schedule-plan.js";

/**
 * maxDaysAhead bounds the charge date of a single collection (a one-off, a re-presentation): a
 * payment more than a year away is a typing error far more often than a plan, and a schedule is the
 * way to plan one.
 */
export const maxDaysAhead = 365;

/** TakenDays maps each taken charge date to what takes it ("collection CL…", "schedule CS…"). */
export type TakenDays = ReadonlyMap<IsoDate, string>;

/** takenChargeDays lists the mandate's taken days from `from` to `until`, both inclusive. */
export async function takenChargeDays(
  em: EntityManager,
  mandateId: string,
  from: IsoDate,
  until: IsoDate,
): Promise<TakenDays> {
  const taken = new Map<IsoDate, string>();
  const collections = await em.find(
    Collection,
    { mandate: mandateId, chargeDate: { $gte: from, $lte: until }, state: { $nin: ["FAILED", "CANCELLED"] } },
    { fields: ["id", "chargeDate"] },
  );
  for (const c of collections) taken.set(c.chargeDate, `collection ${c.id}`);
  // A paused schedule's dates count too: it may resume, and its dates come back with it.
  const schedules = await em.find(CollectionSchedule, { mandate: mandateId, state: { $in: ["ACTIVE", "PAUSED"] } });
  for (const schedule of schedules) {
    const plan = planOf(schedule);
    let created = schedule.createdCollectionCount;
    let index = created + schedule.skippedDateCount;
    for (let nominal = schedule.nextNominalDate; nominal != null && nominal <= until; ) {
      const day = nextWorkingDayOnOrAfter(nominal);
      if (day >= from && day <= until && !taken.has(day)) taken.set(day, `collection schedule ${schedule.id}`);
      created += 1;
      index += 1;
      nominal = nextAfter(plan, created, index);
    }
  }
  return taken;
}

/** firstFreeDay is the first working day on or after `from` that `taken` does not hold. */
export function firstFreeDay(taken: TakenDays, from: IsoDate): IsoDate {
  let day = nextWorkingDayOnOrAfter(from);
  while (taken.has(day)) day = nextWorkingDayOnOrAfter(addDays(day, 1));
  return day;
}
