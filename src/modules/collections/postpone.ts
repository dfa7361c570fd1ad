/**
 * postpone.ts moves a pending collection to a later charge date: its mandate is still being set up,
 * or its payer was not sent notice of it in time (collection-steps.ts says when). Charges only ever
 * move later, and never onto or past the schedule's next collection (created or not yet: its next
 * date) or end_date: then the collection is cancelled instead, as the next one (or the schedule's
 * end) takes its place, so a payer is never debited twice in one day. A one-off collection (no
 * schedule) moves instead to the first day on or after the new date that the mandate is not
 * debited on; a re-presentation never past the scheme's month. A moved collection is announced
 * again: its notice date is today.
 */
import type { EntityManager } from "@mikro-orm/postgresql";
import { nextWorkingDayOnOrAfter } from "../calendar/bacs-calendar.js";
import { londonDate } from "../calendar/london-date.js";
import { addDays, type IsoDate } from "../calendar/plain-date.js";
import { firstFreeDay, maxDaysAhead, takenChargeDays } from "./charge-days.js";
import { Collection } from "./collection.entity.js";
import { recordCollectionEvent } from "./collection-events.js";
import { CollectionSchedule } from "./collection-schedule.entity.js";
import { applyCollectionStateChange, type CollectionChange, pounds } from "./collection-state-change.js";
import { retryWindowEnd } from "./retry.js";

/** postponeCollection moves `collection` to `chargeDate`, or cancels it when that is not allowed. */
export async function postponeCollection(
  em: EntityManager,
  collection: Collection,
  chargeDate: IsoDate,
  change: CollectionChange,
  now: Date,
): Promise<"postponed" | "cancelled"> {
  if (collection.state !== "PENDING_SUBMISSION" || chargeDate <= collection.chargeDate) {
    throw new RangeError(
      `collection ${collection.id} (${collection.state}, ${collection.chargeDate}) cannot be postponed to ${chargeDate}`,
    );
  }
  const scheduleId = collection.schedule?.id;
  if (scheduleId) {
    const schedule = await em.findOneOrFail(
      CollectionSchedule,
      { id: scheduleId },
      { fields: ["id", "endDate", "nextNominalDate"] },
    );
    // The schedule's next date may have no collection yet: it will be charged on it, or later.
    const nextDate = schedule.nextNominalDate == null ? null : nextWorkingDayOnOrAfter(schedule.nextNominalDate);
    const next = await em.findOne(
      Collection,
      {
        schedule: scheduleId,
        state: "PENDING_SUBMISSION",
        id: { $ne: collection.id },
        chargeDate: { $lte: chargeDate },
      },
      { fields: ["id", "chargeDate"], orderBy: { chargeDate: "asc" } },
    );
    const blocker = next
      ? `the schedule's next collection ${next.id} is charged ${next.chargeDate}`
      : nextDate !== null && chargeDate >= nextDate
        ? `the schedule's next date is ${nextDate}`
        : schedule.endDate != null && chargeDate > schedule.endDate
          ? `the schedule ends ${schedule.endDate}`
          : undefined;
    if (blocker) {
      applyCollectionStateChange(
        em,
        collection,
        "CANCELLED",
        { description: `${change.description}, but ${blocker}: not taken` },
        now,
      );
      return "cancelled";
    }
  }
  // A one-off has no schedule to give way to: it moves on past the days the mandate is debited on.
  const to = scheduleId
    ? chargeDate
    : firstFreeDay(
        await takenChargeDays(em, collection.mandate.id, chargeDate, addDays(chargeDate, maxDaysAhead + 1)),
        chargeDate,
      );
  // A re-presentation may be charged no later than a month after the date first charged.
  const limit = collection.retryCount > 0 ? retryWindowEnd(collection.originalChargeDate) : null;
  if (limit !== null && to > limit) {
    const description = `${change.description}, but a re-presentation may not be charged after ${limit}: not taken`;
    applyCollectionStateChange(em, collection, "CANCELLED", { description }, now);
    return "cancelled";
  }
  const from = collection.chargeDate;
  collection.chargeDate = to;
  // The payer is told of the new date today (the processor's onCollectionMoved): `to` leaves the
  // notice period from today (collection-steps.ts), so it counts from now.
  collection.noticeDate = londonDate(now);
  // Never presented on the old date: the new one is its first presentation, from which the
  // scheme's month for a re-presentation counts (retry.ts).
  if (collection.retryCount === 0) collection.originalChargeDate = to;
  collection.updateTime = now;
  const further = to === chargeDate ? "" : ` (${chargeDate} is taken: moved on to the mandate's next free day)`;
  const message = `Collection ${collection.id} of ${pounds(collection.amountMinor)} moved from ${from} to ${to}: ${change.description}${further}`;
  recordCollectionEvent(em, collection, { type: "collection.postponed", message }, now);
  return "postponed";
}
