/**
 * materialise.ts creates the collections of collection schedules: the next one of a single
 * schedule (at creation, the first), and every due one across all organisations (materialiseDue,
 * which Bacs processing runs each day). It also closes schedules: FINISHED after their count or
 * end date.
 */
import { LockMode } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/postgresql";
import { scopeToOrganisation } from "../../platform/db/tenant-filter.js";
import { newId } from "../../platform/ids.js";
import { DEFAULT_ADVANCE_NOTICE_WORKING_DAYS } from "../calendar/bacs-calendar.js";
import type { IsoDate } from "../calendar/plain-date.js";
import { addDays } from "../calendar/plain-date.js";
import { Organisation } from "../identity/organisation.entity.js";
import { Mandate } from "../mandates/mandate.entity.js";
import { Collection } from "./collection.entity.js";
import { recordScheduleEvent } from "./collection-events.js";
import { mandateCollects, mandateSettingUp } from "./collection-lifecycle.js";
import { CollectionSchedule } from "./collection-schedule.entity.js";
import { recordCollectionCreated } from "./collection-state-change.js";
import type { CollectionMovedHook } from "./moved-collection.js";
import {
  announcedDate,
  chargeDateOf,
  isDue,
  MATERIALISE_LEAD_DAYS,
  nextAfter,
  nominalDate,
  noticeFor,
  type SchedulePlan,
  skipsInto,
} from "./schedule-plan.js";

/** How many schedules one materialiseDue transaction takes. */
const batchSize = 200;

/** planOf reads a schedule's plan from its row. */
export function planOf(schedule: CollectionSchedule): SchedulePlan {
  const { intervalUnit, interval, dayOfMonth, startDate } = schedule;
  return {
    intervalUnit,
    interval,
    dayOfMonth,
    startDate,
    endDate: schedule.endDate ?? null,
    count: schedule.count ?? null,
  };
}

/**
 * NewCollection is a schedule's collection just created, and `movedFrom`: the plan's date for it
 * when it was created too late to be charged then (noticeFor), so it is charged later under a
 * notice of its own that the payer must be sent today; null when it keeps the plan's date.
 */
export interface NewCollection {
  collection: Collection;
  movedFrom: IsoDate | null;
}

/**
 * createNextCollection creates the collection for the schedule's next nominal date and moves the
 * schedule on (FINISHED after the last one). Dates that would be charged on the same day as the
 * date after them are skipped first (skipsInto): never two debits of one schedule in one day. A
 * charge date that would fall after end_date (moved there by a weekend or the notice period) is
 * not created: the schedule finishes instead, as no collection may be charged after end_date. The
 * schedule must be ACTIVE with a next date.
 */
export function createNextCollection(
  em: EntityManager,
  schedule: CollectionSchedule,
  mandateState: string,
  today: IsoDate,
  now: Date,
  noticeWorkingDays: number,
): NewCollection | undefined {
  if (schedule.state !== "ACTIVE" || schedule.nextNominalDate == null)
    throw new Error(`schedule ${schedule.id} has nothing to create`);
  const plan = planOf(schedule);
  const told = { sentOn: schedule.noticeDate, workingDays: noticeWorkingDays };
  const noticeOf = (nominal: IsoDate) => noticeFor(nominal, mandateState, today, told);
  while (skipsInto(plan, dateIndex(schedule), mandateState, today, noticeOf(schedule.nextNominalDate))) {
    schedule.skippedDateCount += 1;
    schedule.nextNominalDate = nominalDate(plan, dateIndex(schedule));
  }
  const nominal = schedule.nextNominalDate;
  const notice = noticeOf(nominal);
  const chargeDate = chargeDateOf(nominal, mandateState, today, notice);
  schedule.updateTime = now;
  if (schedule.endDate != null && chargeDate > schedule.endDate) {
    finish(em, schedule, now);
    return undefined;
  }
  const collection = em.create(Collection, {
    id: newId("CL", now.getTime()),
    organisation: schedule.organisation,
    mandate: schedule.mandate,
    schedule,
    amountMinor: schedule.amountMinor,
    currency: schedule.currency,
    chargeDate,
    originalChargeDate: chargeDate,
    retryCount: 0,
    noticeDate: notice.sentOn,
    state: "PENDING_SUBMISSION",
    reasonCode: null,
    description: schedule.description,
    stateChangeTime: now,
    paidOutTime: null,
    createTime: now,
    updateTime: now,
  });
  recordCollectionCreated(em, collection, now);
  schedule.createdCollectionCount += 1;
  schedule.nextNominalDate = nextAfter(plan, schedule.createdCollectionCount, dateIndex(schedule));
  if (schedule.nextNominalDate === null) finish(em, schedule, now);
  return { collection, movedFrom: notice === told ? null : announcedDate(nominal, told) };
}

/** dateIndex is the number of the schedule's next date: created collections plus skipped dates. */
function dateIndex(schedule: CollectionSchedule): number {
  return schedule.createdCollectionCount + schedule.skippedDateCount;
}

/** finish closes a schedule with no date left to collect: FINISHED, and its event. */
export function finish(em: EntityManager, schedule: CollectionSchedule, now: Date): void {
  schedule.state = "FINISHED";
  schedule.nextNominalDate = null;
  schedule.updateTime = now;
  const message = `Collection schedule ${schedule.id} finished after ${schedule.createdCollectionCount} collections`;
  recordScheduleEvent(em, schedule, { type: "collection_schedule.finished", message }, now);
}

/** MaterialiseHooks are what materialiseDue reports to the processor. */
export interface MaterialiseHooks {
  /** Gives the payer notice of a date created too late for its day, in the transaction that creates it. */
  onMoved: CollectionMovedHook;
  /**
   * A schedule whose collections could not be created: nothing of it was written, and the next run
   * tries again. Throwing stops the pass (its batch rolls back).
   */
  onFailed: (scheduleId: string, error: unknown) => void;
}

/**
 * materialiseDue creates every collection that is due by `today` (Europe/London date) for every
 * ACTIVE schedule of every organisation, and returns how many it created. A collection is due
 * MATERIALISE_LEAD_DAYS before its nominal date. Schedules of a SUSPENDED mandate are left due (no
 * collections are taken while suspended) and catch up once it is active again: with one collection,
 * as dates pushed onto the same charge day are skipped (skipsInto). A date caught up too late for
 * its plan's day (after a suspension, or runs that did not happen) is charged a whole notice period
 * from today, and `onMoved` gives the payer that notice in the same transaction: the payer was told
 * the plan's day, and a debit on a day never announced is a valid Guarantee claim.
 *
 * `em` need not be scoped to an organisation: this is the processor's cross-tenant pass, so its
 * queries turn the tenant filter off on purpose and set each row's organisation from its schedule.
 * Each batch runs in its own transaction and takes its schedules with FOR UPDATE SKIP LOCKED, so
 * replicas running it at once never create a collection twice; each schedule's collections are
 * created in a savepoint of it, so a schedule that fails (onFailed) holds up no other.
 */
export async function materialiseDue(
  em: EntityManager,
  today: IsoDate,
  now: Date,
  { onMoved, onFailed }: MaterialiseHooks,
): Promise<number> {
  let created = 0;
  // Keyset over (next_nominal_date, id): batches move past schedules left due (suspended mandates).
  let after: { date: string; id: string } | undefined;
  for (;;) {
    const batch = await em.fork().transactional(async (tx) => {
      const schedules = await tx.find(
        CollectionSchedule,
        {
          state: "ACTIVE",
          nextNominalDate: { $lte: addDays(today, MATERIALISE_LEAD_DAYS) },
          ...(after
            ? {
                $or: [{ nextNominalDate: { $gt: after.date } }, { nextNominalDate: after.date, id: { $gt: after.id } }],
              }
            : {}),
        },
        {
          filters: false,
          lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE,
          orderBy: { nextNominalDate: "asc", id: "asc" },
          limit: batchSize,
        },
      );
      const last = schedules.at(-1);
      const cursor = last ? { date: last.nextNominalDate!, id: last.id } : undefined;
      const mandateIds = [...new Set(schedules.map((s) => s.mandate.id))];
      const mandates =
        mandateIds.length === 0
          ? []
          : await tx.find(Mandate, { id: { $in: mandateIds } }, { filters: false, fields: ["id", "state"] });
      const stateOf = new Map(mandates.map((m) => [m.id, m.state as string]));
      const organisationIds = [...new Set(schedules.map((s) => s.organisation.id))];
      const organisations =
        organisationIds.length === 0
          ? []
          : await tx.find(
              Organisation,
              { id: { $in: organisationIds } },
              { fields: ["id", "advanceNoticeWorkingDays"] },
            );
      const noticeOf = new Map(organisations.map((o) => [o.id, o.advanceNoticeWorkingDays]));
      let made = 0;
      for (const claimed of schedules) {
        const mandateState = stateOf.get(claimed.mandate.id) ?? "CANCELLED";
        // Closed mandates have their schedules cancelled by the mandate hook; never charge under one.
        if (!mandateCollects(mandateState)) continue;
        const workingDays = noticeOf.get(claimed.organisation.id) ?? DEFAULT_ADVANCE_NOTICE_WORKING_DAYS;
        // Each schedule in a savepoint of our transaction (the row lock is ours), scoped to its
        // organisation: one that fails, its notice included, leaves nothing behind and stops no other.
        const scoped = scopeToOrganisation(tx.fork({ keepTransactionContext: true }), claimed.organisation.id);
        try {
          made += await scoped.transactional(async (inner) => {
            const schedule = await inner.findOneOrFail(CollectionSchedule, { id: claimed.id });
            return createDue(inner, schedule, { mandateState, today, now, workingDays, onMoved });
          });
        } catch (error) {
          onFailed(claimed.id, error);
        }
      }
      return { taken: schedules.length, made, cursor };
    });
    created += batch.made;
    if (batch.taken < batchSize) return created;
    after = batch.cursor;
  }
}

/**
 * createDue creates the schedule's collections that are due `today` and gives the payer notice of
 * each one created too late for its day (onMoved): the payer was told the plan's day, and a debit
 * on a day never announced is a valid Guarantee claim. Returns how many it created.
 */
async function createDue(
  em: EntityManager,
  schedule: CollectionSchedule,
  due: { mandateState: string; today: IsoDate; now: Date; workingDays: number; onMoved: CollectionMovedHook },
): Promise<number> {
  const { mandateState, today, now, workingDays, onMoved } = due;
  let made = 0;
  while (schedule.state === "ACTIVE" && schedule.nextNominalDate != null && isDue(schedule.nextNominalDate, today)) {
    const created = createNextCollection(em, schedule, mandateState, today, now, workingDays);
    if (!created) continue;
    made++;
    if (created.movedFrom !== null) {
      const reason = mandateSettingUp(mandateState) ? "MANDATE_SETTING_UP" : "CREATED_LATE";
      await em.flush();
      await onMoved(em, { collection: created.collection, from: created.movedFrom, reason }, now);
    }
  }
  return made;
}
