/**
 * collection.service.ts is the organisation's side of collections: create and cancel collection
 * schedules (staff in a session; the contract declares that), read and list schedules and
 * collections, and the hook that closes a mandate's schedules and pending collections when the
 * mandate is cancelled, fails or expires. Writes validate every field first (nothing written on a
 * bad one), lock what they change, and record audit events and notifications in the same flush.
 */
import type { EntityManager } from "@mikro-orm/postgresql";
import type { Clock } from "../../platform/clock.js";
import { findPage, type IdCursor, type KeysetPage, type PageRequest } from "../../platform/db/keyset-page.js";
import { lockForChange } from "../../platform/db/lock-for-change.js";
import { newId } from "../../platform/ids.js";
import { checkDateRange } from "../calendar/date-range.js";
import { londonDate } from "../calendar/london-date.js";
import type { IsoDate } from "../calendar/plain-date.js";
import { FailedPreconditionError, type FieldViolation, InvalidArgumentError, NotFoundError } from "../errors.js";
import type { Acting } from "../identity/acting.js";
import { recordAudit } from "../identity/audit-log.js";
import { Organisation } from "../identity/organisation.entity.js";
import type { Mandate } from "../mandates/mandate.entity.js";
import { checkReason } from "../mandates/mandate-fields.js";
import { lockMandateForNewCollections } from "./collecting-mandate.js";
import { Collection } from "./collection.entity.js";
import { recordScheduleEvent } from "./collection-events.js";
import type { CollectionStateName, ScheduleStateName } from "./collection-lifecycle.js";
import { CollectionSchedule } from "./collection-schedule.entity.js";
import { applyCollectionStateChange, pounds } from "./collection-state-change.js";
import { createNextCollection, materialiseDue, planOf } from "./materialise.js";
import type { CollectionMovedHook } from "./moved-collection.js";
import { createOneOff, type NewOneOff, type OneOffNoticeHook } from "./one-off.js";
import { type RetryNoticeHook, type RetryRequest, retryCollection } from "./retry.js";
import type { ScheduleChangeDeps } from "./schedule-change-deps.js";
import { type ScheduleChange, updateSchedule } from "./schedule-changes.js";
import { checkSchedule, type NewSchedule } from "./schedule-fields.js";
import type { ScheduleNoticeHook } from "./schedule-notice.js";
import { pauseSchedule, resumeSchedule } from "./schedule-pause.js";
import { chargeDateOf, nominalDate } from "./schedule-plan.js";
import { upcomingChargeDate } from "./upcoming-charge.js";

/** ScheduleView is a schedule with its next charge date, as reads show it ("" when closed). */
export interface ScheduleView {
  schedule: CollectionSchedule;
  nextChargeDate: IsoDate | "";
}

/** ScheduleFilter is ListCollectionSchedules' filters. */
export interface ScheduleFilter {
  mandateId: string;
  states: readonly ScheduleStateName[];
}

/** CollectionFilter is ListCollections' filters; from/to are inclusive charge dates ("" for none). */
export interface CollectionFilter {
  mandateId: string;
  scheduleId: string;
  states: readonly CollectionStateName[];
  from: string;
  to: string;
}

/** CollectionCursor is where a page of collections ends: they are listed by (charge date, id), newest first. */
export interface CollectionCursor {
  chargeDate: IsoDate;
  id: string;
}

/**
 * AdvanceNoticeHook runs in the transaction that sets a schedule's terms, after its first collection
 * is created: it gives the payer notice of the amount, frequency and first charge date (or, when
 * the organisation sends its own, tells the organisation to). A throw undoes the schedule: no
 * collection goes ahead without its notice.
 */
export type AdvanceNoticeHook = (
  em: EntityManager,
  notice: { schedule: CollectionSchedule; mandate: Mandate; organisation: Organisation; first: Collection },
  now: Date,
) => Promise<void>;

/** CollectionManagerOptions are the manager's dependencies. */
export interface CollectionManagerOptions {
  clock: Clock;
  /** The organisation's notice period in working days (cached for seconds; a miss reads through `em`). */
  advanceNoticeOf: (organisationId: string, em: EntityManager) => Promise<number>;
  onAdvanceNotice?: AdvanceNoticeHook | undefined;
  /** Gives the payer advance notice of a one-off collection (one-off.ts). */
  onOneOffNotice?: OneOffNoticeHook | undefined;
  /** Gives the payer advance notice of a re-presented collection, in the retry's transaction. */
  onRetryNotice?: RetryNoticeHook | undefined;
  /** Gives the payer notice of a schedule's changed terms or its resumption (schedule-changes.ts). */
  onScheduleNotice?: ScheduleNoticeHook | undefined;
  /** Gives the payer notice of a schedule's date created too late for its day (materialise.ts). */
  onCollectionMoved: CollectionMovedHook;
}

/** CollectionManager runs collection schedules and collections on a tenant-scoped EntityManager. */
export class CollectionManager {
  constructor(private readonly options: CollectionManagerOptions) {}

  /** today is the Bacs date now: the Europe/London date of the injected clock. */
  today(): IsoDate {
    return londonDate(this.options.clock.now());
  }

  /**
   * createSchedule stores an ACTIVE schedule and, at once, its first collection, charged on the
   * first schedule date on or after start_date, moved to a working day and never before the
   * earliest date Bacs and the advance notice allow (later still for a mandate being set up). The
   * mandate is locked, so a concurrent cancellation either sees the schedule or refuses it.
   */
  async createSchedule(em: EntityManager, acting: Acting, input: NewSchedule): Promise<ScheduleView> {
    const now = this.options.clock.now();
    const today = londonDate(now);
    const { violations, valid } = checkSchedule(input, today);
    if (!valid) throw new InvalidArgumentError(violations);
    const { plan } = valid;
    return em.transactional(async (tx) => {
      const mandate = await lockMandateForNewCollections(tx, input.mandateId);
      const organisation = await tx.findOneOrFail(Organisation, acting.organisationId);
      const noticeWorkingDays = organisation.advanceNoticeWorkingDays;
      const schedule = tx.create(CollectionSchedule, {
        id: newId("CS", now.getTime()),
        organisation: acting.organisationId,
        mandate,
        amountMinor: valid.amountMinor,
        currency: "GBP",
        ...plan,
        state: "ACTIVE",
        description: valid.description,
        metadata: { ...input.metadata },
        createdCollectionCount: 0,
        skippedDateCount: 0,
        nextNominalDate: null,
        // The payer is told of the schedule today: its first charge counts the notice from here.
        noticeDate: today,
        cancelReason: null,
        createTime: now,
        updateTime: now,
      });
      // Date 0 of the schedule: the first one on or after start_date.
      schedule.nextNominalDate = nominalDate(planOf(schedule), 0);
      const notice = { sentOn: today, workingDays: noticeWorkingDays };
      const chargeDate = chargeDateOf(schedule.nextNominalDate, mandate.state, today, notice);
      if (plan.endDate !== null && chargeDate > plan.endDate) {
        throw InvalidArgumentError.field("schedule.end_date", `is before the first possible charge date ${chargeDate}`);
      }
      const message = `Collection schedule ${schedule.id} of ${pounds(schedule.amountMinor)} ${plan.intervalUnit.toLowerCase()} created under mandate ${mandate.id}`;
      recordScheduleEvent(tx, schedule, { type: "collection_schedule.created", message }, now);
      // Its notice is sent today, so the first collection keeps its date (movedFrom is null).
      const first = createNextCollection(tx, schedule, mandate.state, today, now, noticeWorkingDays)?.collection;
      if (first) await this.options.onAdvanceNotice?.(tx, { schedule, mandate, organisation, first }, now);
      recordAudit(tx, {
        ...acting,
        action: "collection_schedule.create",
        target: schedule.id,
        outcome: "success",
        time: now,
      });
      await tx.flush();
      return (await this.withNextChargeDates(tx, [schedule], noticeWorkingDays))[0]!;
    });
  }

  /** createOneOff creates a one-off collection under a mandate (see one-off.ts). */
  createOneOff(em: EntityManager, acting: Acting, input: NewOneOff): Promise<Collection> {
    const now = this.options.clock.now();
    return createOneOff(em, acting, input, { now, today: londonDate(now), onNotice: this.options.onOneOffNotice });
  }

  /** updateSchedule changes an ACTIVE or PAUSED schedule's amount or end date (schedule-changes.ts). */
  updateSchedule(em: EntityManager, acting: Acting, change: ScheduleChange): Promise<ScheduleView> {
    return updateSchedule(em, acting, change, this.changeDeps());
  }

  /** pauseSchedule: ACTIVE → PAUSED (schedule-pause.ts). */
  pauseSchedule(em: EntityManager, acting: Acting, id: string, reason: string): Promise<ScheduleView> {
    return pauseSchedule(em, acting, id, reason, this.changeDeps());
  }

  /** resumeSchedule: PAUSED → ACTIVE, with notice to the payer (schedule-pause.ts). */
  resumeSchedule(em: EntityManager, acting: Acting, id: string): Promise<ScheduleView> {
    return resumeSchedule(em, acting, id, this.changeDeps());
  }

  private changeDeps(): ScheduleChangeDeps<ScheduleView> {
    return {
      clock: this.options.clock,
      onScheduleNotice: this.options.onScheduleNotice,
      show: async (em, schedule, noticeWorkingDays) =>
        (await this.withNextChargeDates(em, [schedule], noticeWorkingDays))[0]!,
    };
  }

  /** cancelSchedule: ACTIVE or PAUSED → CANCELLED, with its collections still pending submission. */
  async cancelSchedule(em: EntityManager, acting: Acting, id: string, reason: string): Promise<ScheduleView> {
    const violations: FieldViolation[] = [];
    if (id === "") violations.push({ field: "schedule_id", description: "is required" });
    checkReason(reason, "reason", violations);
    if (violations.length > 0) throw new InvalidArgumentError(violations);
    const now = this.options.clock.now();
    return em.transactional(async (tx) => {
      const schedule = await tx.findOne(CollectionSchedule, { id }, lockForChange());
      if (!schedule) throw new NotFoundError("collection schedule", id);
      if (schedule.state !== "ACTIVE" && schedule.state !== "PAUSED") {
        throw new FailedPreconditionError(
          "COLLECTION_SCHEDULE_NOT_ACTIVE",
          `collection schedule ${id} is ${schedule.state}: only an active or paused schedule can be cancelled`,
          {
            state: schedule.state,
          },
        );
      }
      const said = reason.trim() === "" ? "" : `: ${reason.trim()}`;
      await cancelScheduleAndPending(tx, schedule, `Cancelled by the organisation${said}`, now);
      recordAudit(tx, {
        ...acting,
        action: "collection_schedule.cancel",
        target: schedule.id,
        outcome: "success",
        time: now,
      });
      await tx.flush();
      return (await this.withNextChargeDates(tx, [schedule]))[0]!;
    });
  }

  /**
   * cancelForMandate closes what a closed mandate (cancelled, failed, expired) leaves open: its
   * ACTIVE and PAUSED schedules and its collections pending submission. Call it in the transaction that
   * closes the mandate. Schedules are locked before collections are read, so a concurrent
   * materialiseDue (which locks the schedule while it creates a collection) has committed its
   * collection before we look for pending ones.
   */
  async cancelForMandate(em: EntityManager, mandate: Mandate, now: Date): Promise<void> {
    const why = `Mandate ${mandate.id} is ${mandate.state.toLowerCase()}`;
    const schedules = await em.find(
      CollectionSchedule,
      { mandate: mandate.id, state: { $in: ["ACTIVE", "PAUSED"] } },
      lockForChange(),
    );
    for (const schedule of schedules) await cancelScheduleAndPending(em, schedule, why, now);
    const pending = await em.find(Collection, { mandate: mandate.id, state: "PENDING_SUBMISSION" }, lockForChange());
    for (const collection of pending)
      applyCollectionStateChange(em, collection, "CANCELLED", { description: why }, now);
  }

  /** getSchedule returns the organisation's schedule; NOT_FOUND for a missing one or another organisation's. */
  async getSchedule(em: EntityManager, id: string): Promise<ScheduleView> {
    if (id === "") throw InvalidArgumentError.field("schedule_id", "is required");
    const schedule = await em.findOne(CollectionSchedule, { id });
    if (!schedule) throw new NotFoundError("collection schedule", id);
    return (await this.withNextChargeDates(em, [schedule]))[0]!;
  }

  /** listSchedules returns one page, newest first, and whether more follow. */
  async listSchedules(
    em: EntityManager,
    filter: ScheduleFilter,
    page: PageRequest<IdCursor>,
  ): Promise<KeysetPage<ScheduleView, IdCursor>> {
    const where = {
      ...(filter.mandateId !== "" ? { mandate: filter.mandateId } : {}),
      ...(filter.states.length > 0 ? { state: { $in: [...filter.states] } } : {}),
    };
    const found = await findPage(em, CollectionSchedule, where, { orderBy: ["id"], ...page });
    return { ...found, items: await this.withNextChargeDates(em, found.items) };
  }

  /** getCollection returns the organisation's collection; NOT_FOUND for a missing one or another organisation's. */
  async getCollection(em: EntityManager, id: string): Promise<Collection> {
    if (id === "") throw InvalidArgumentError.field("collection_id", "is required");
    const collection = await em.findOne(Collection, { id });
    if (!collection) throw new NotFoundError("collection", id);
    return collection;
  }

  /** listCollections returns one page, newest charge date first (then newest created), and whether more follow. */
  async listCollections(em: EntityManager, filter: CollectionFilter, page: PageRequest<CollectionCursor>) {
    checkDateRange(filter.from, filter.to);
    const range = {
      ...(filter.from !== "" ? { $gte: filter.from } : {}),
      ...(filter.to !== "" ? { $lte: filter.to } : {}),
    };
    const where = {
      ...(Object.keys(range).length > 0 ? { chargeDate: range } : {}),
      ...(filter.mandateId !== "" ? { mandate: filter.mandateId } : {}),
      ...(filter.scheduleId !== "" ? { schedule: filter.scheduleId } : {}),
      ...(filter.states.length > 0 ? { state: { $in: [...filter.states] } } : {}),
    };
    return findPage(em, Collection, where, { orderBy: ["chargeDate", "id"], ...page });
  }

  /** retryCollection presents a FAILED collection again, with the payer's advance notice (retry.ts). */
  retryCollection(em: EntityManager, acting: Acting, request: RetryRequest): Promise<Collection> {
    return retryCollection(em, acting, request, this.options);
  }

  /**
   * materialiseDue creates the due collections of every organisation on the clock's day (see
   * materialise.ts); `em` may be cross-tenant. Bacs processing runs its own pass, which reports a
   * schedule that fails and goes on; this one, which tests drive, stops at the first.
   */
  materialiseDue(em: EntityManager, now = this.options.clock.now()): Promise<number> {
    const onFailed = (_scheduleId: string, error: unknown) => {
      throw error;
    };
    return materialiseDue(em, londonDate(now), now, { onMoved: this.options.onCollectionMoved, onFailed });
  }

  /**
   * withNextChargeDates adds each schedule's next charge date: the earliest charge date among its
   * collections pending submission, else the date its next collection would get if created today.
   * Reads take the organisation's notice period from the cache; writes pass the one they used.
   */
  private async withNextChargeDates(
    em: EntityManager,
    schedules: readonly CollectionSchedule[],
    noticeWorkingDaysNow?: number,
  ): Promise<ScheduleView[]> {
    const active = schedules.filter((s) => s.state === "ACTIVE");
    const pending =
      active.length === 0
        ? []
        : await em.find(
            Collection,
            { schedule: { $in: active.map((s) => s.id) }, state: "PENDING_SUBMISSION" },
            { fields: ["id", "schedule", "chargeDate"] },
          );
    const earliest = new Map<string, string>();
    for (const c of pending) {
      const key = c.schedule!.id;
      const seen = earliest.get(key);
      if (seen === undefined || c.chargeDate < seen) earliest.set(key, c.chargeDate);
    }
    const today = this.today();
    const first = active[0];
    const noticeWorkingDays =
      noticeWorkingDaysNow ?? (first ? await this.options.advanceNoticeOf(first.organisation.id, em) : 0);
    return schedules.map((schedule) => {
      if (schedule.state !== "ACTIVE") return { schedule, nextChargeDate: "" };
      const told = { sentOn: schedule.noticeDate, workingDays: noticeWorkingDays };
      // A date not created yet is charged as createNextCollection will (upcoming-charge.ts).
      const next = earliest.get(schedule.id) ?? upcomingChargeDate(schedule, "ACTIVE", today, told) ?? "";
      return { schedule, nextChargeDate: next };
    });
  }
}

/** cancelScheduleAndPending cancels a schedule and its collections still pending submission. */
async function cancelScheduleAndPending(
  em: EntityManager,
  schedule: CollectionSchedule,
  why: string,
  now: Date,
): Promise<void> {
  schedule.state = "CANCELLED";
  schedule.nextNominalDate = null;
  schedule.cancelReason = why.slice(0, 600);
  schedule.updateTime = now;
  const message = `Collection schedule ${schedule.id} cancelled: ${why}`;
  recordScheduleEvent(em, schedule, { type: "collection_schedule.cancelled", message }, now);
  const pending = await em.find(Collection, { schedule: schedule.id, state: "PENDING_SUBMISSION" }, lockForChange());
  for (const collection of pending) applyCollectionStateChange(em, collection, "CANCELLED", { description: why }, now);
}
