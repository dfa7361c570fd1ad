/**
 * schedule-pause.ts pauses and resumes collection schedules (PauseCollectionSchedule,
 * ResumeCollectionSchedule). A paused schedule creates nothing (materialiseDue takes ACTIVE
 * schedules only) and keeps its next date; on resuming, the dates that passed meanwhile are passed
 * over, and the payer is given notice again today, so the next collection is charged no earlier
 * than that notice allows.
 */
import type { EntityManager } from "@mikro-orm/postgresql";
import { lockForChange } from "../../platform/db/lock-for-change.js";
import { londonDate } from "../calendar/london-date.js";
import type { IsoDate } from "../calendar/plain-date.js";
import { FailedPreconditionError, type FieldViolation, InvalidArgumentError, NotFoundError } from "../errors.js";
import type { Acting } from "../identity/acting.js";
import { recordAudit } from "../identity/audit-log.js";
import { Organisation } from "../identity/organisation.entity.js";
import { checkReason } from "../mandates/mandate-fields.js";
import { refuseClosedMandate } from "./collecting-mandate.js";
import { Collection } from "./collection.entity.js";
import { recordScheduleEvent } from "./collection-events.js";
import { mandateCollects } from "./collection-lifecycle.js";
import { CollectionSchedule } from "./collection-schedule.entity.js";
import { applyCollectionStateChange } from "./collection-state-change.js";
import { lockScheduleAndMandate } from "./locked-schedule.js";
import { createNextCollection, finish, planOf } from "./materialise.js";
import type { ScheduleChangeDeps } from "./schedule-change-deps.js";
import { isDue, nextAfter, nominalDate } from "./schedule-plan.js";
import { nextChargeDateToday } from "./upcoming-charge.js";

/**
 * pauseSchedule: ACTIVE → PAUSED; its collections pending submission are cancelled and their dates
 * given back to the schedule, submitted ones go ahead.
 */
export async function pauseSchedule<View>(
  em: EntityManager,
  acting: Acting,
  id: string,
  reason: string,
  deps: ScheduleChangeDeps<View>,
): Promise<View> {
  const violations: FieldViolation[] = [];
  if (id === "") violations.push({ field: "schedule_id", description: "is required" });
  checkReason(reason, "reason", violations);
  if (violations.length > 0) throw new InvalidArgumentError(violations);
  const now = deps.clock.now();
  return em.transactional(async (tx) => {
    const schedule = await tx.findOne(CollectionSchedule, { id }, lockForChange());
    if (!schedule) throw new NotFoundError("collection schedule", id);
    if (schedule.state !== "ACTIVE") {
      throw new FailedPreconditionError(
        "COLLECTION_SCHEDULE_NOT_ACTIVE",
        `collection schedule ${id} is ${schedule.state}: only an active schedule can be paused`,
        { state: schedule.state },
      );
    }
    const said = reason.trim() === "" ? "" : `: ${reason.trim()}`;
    const why = `Collection schedule ${schedule.id} paused${said}`;
    // Resuming starts from next_nominal_date, passing over the dates gone by.
    schedule.state = "PAUSED";
    schedule.updateTime = now;
    recordScheduleEvent(tx, schedule, { type: "collection_schedule.paused", message: why }, now);
    const pending = await tx.find(Collection, { schedule: schedule.id, state: "PENDING_SUBMISSION" }, lockForChange());
    for (const collection of pending)
      applyCollectionStateChange(tx, collection, "CANCELLED", { description: why.slice(0, 600) }, now);
    // Collections pending submission are the schedule's latest (submission goes by charge date, and
    // one moved past the next is cancelled instead): give their dates back, so they do not use up
    // `count` and resuming collects those still to come. A re-presentation is no schedule date.
    const rewound = pending.filter((c) => c.retryCount === 0).length;
    if (rewound > 0) {
      schedule.createdCollectionCount -= rewound;
      schedule.nextNominalDate = nominalDate(
        planOf(schedule),
        schedule.createdCollectionCount + schedule.skippedDateCount,
      );
    }
    recordAudit(tx, {
      ...acting,
      action: "collection_schedule.pause",
      target: schedule.id,
      outcome: "success",
      time: now,
    });
    await tx.flush();
    return deps.show(tx, schedule);
  });
}

/**
 * resumeSchedule: PAUSED → ACTIVE, unless its mandate can never collect again. Schedule dates
 * before today are passed over (counted as skipped, so they do not use up `count`; past end_date
 * the schedule finishes). The payer is given notice today of the amount, frequency and first
 * charge date, and the collections due now are created at once, as a new schedule's first is.
 */
export async function resumeSchedule<View>(
  em: EntityManager,
  acting: Acting,
  id: string,
  deps: ScheduleChangeDeps<View>,
): Promise<View> {
  if (id === "") throw InvalidArgumentError.field("schedule_id", "is required");
  const now = deps.clock.now();
  const today = londonDate(now);
  return em.transactional(async (tx) => {
    const { schedule, mandate } = await lockScheduleAndMandate(tx, id);
    if (schedule.state !== "PAUSED") {
      throw new FailedPreconditionError(
        "COLLECTION_SCHEDULE_NOT_PAUSED",
        `collection schedule ${id} is ${schedule.state}: only a paused schedule can be resumed`,
        { state: schedule.state },
      );
    }
    refuseClosedMandate(mandate);
    const organisation = await tx.findOneOrFail(Organisation, acting.organisationId);
    const workingDays = organisation.advanceNoticeWorkingDays;
    schedule.state = "ACTIVE";
    schedule.noticeDate = today;
    schedule.updateTime = now;
    const passed = passOverDatesBefore(schedule, today);
    const message = `Collection schedule ${schedule.id} resumed${passed > 0 ? `, ${passed} date(s) passed while paused not collected` : ""}`;
    recordScheduleEvent(tx, schedule, { type: "collection_schedule.resumed", message }, now);
    if (schedule.nextNominalDate == null) finish(tx, schedule, now);

    const created: Collection[] = [];
    if (mandateCollects(mandate.state)) {
      while (
        schedule.state === "ACTIVE" &&
        schedule.nextNominalDate != null &&
        isDue(schedule.nextNominalDate, today)
      ) {
        // Announced by the resumption's notice, sent today: none is moved (movedFrom is null).
        const next = createNextCollection(tx, schedule, mandate.state, today, now, workingDays);
        if (next) created.push(next.collection);
      }
    }
    const firstChargeDate = created[0]?.chargeDate ?? nextChargeDateToday(schedule, mandate.state, today, workingDays);
    if (firstChargeDate !== null) {
      const notice = {
        kind: "resumed" as const,
        schedule,
        mandate,
        organisation,
        firstChargeDate,
        firstCollectionId: created[0]?.id ?? null,
        previousAmountMinor: null,
        endDateChanged: false,
      };
      await deps.onScheduleNotice?.(tx, notice, now);
    }
    recordAudit(tx, {
      ...acting,
      action: "collection_schedule.resume",
      target: schedule.id,
      outcome: "success",
      time: now,
    });
    await tx.flush();
    return deps.show(tx, schedule, workingDays);
  });
}

/** passOverDatesBefore moves the schedule's next date to today or later and returns how many it passed. */
function passOverDatesBefore(schedule: CollectionSchedule, today: IsoDate): number {
  const plan = planOf(schedule);
  let passed = 0;
  while (schedule.nextNominalDate != null && schedule.nextNominalDate < today) {
    schedule.skippedDateCount += 1;
    passed += 1;
    const index = schedule.createdCollectionCount + schedule.skippedDateCount;
    schedule.nextNominalDate = nextAfter(plan, schedule.createdCollectionCount, index);
  }
  return passed;
}
