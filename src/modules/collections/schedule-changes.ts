/**
 * schedule-changes.ts changes the terms of a live collection schedule (UpdateCollectionSchedule):
 * its amount and its end date. The payer must have been told the amount of every collection at
 * least the organisation's notice period (in working days) before its charge date, so a change is
 * announced today and applies from the first charge date that notice reaches; dates charged before
 * that were announced with the old amount and keep it. Pausing and resuming are in
 * schedule-pause.ts.
 */
import type { EntityManager } from "@mikro-orm/postgresql";
import { lockForChange } from "../../platform/db/lock-for-change.js";
import { londonDate } from "../calendar/london-date.js";
import { isIsoDate } from "../calendar/plain-date.js";
import { FailedPreconditionError, type FieldViolation, InvalidArgumentError } from "../errors.js";
import type { Acting } from "../identity/acting.js";
import { recordAudit } from "../identity/audit-log.js";
import { Organisation } from "../identity/organisation.entity.js";
import { resolveUpdateMask } from "../update-mask.js";
import { Collection } from "./collection.entity.js";
import { recordCollectionEvent, recordScheduleEvent } from "./collection-events.js";
import { mandateCollects } from "./collection-lifecycle.js";
import { applyCollectionStateChange, pounds } from "./collection-state-change.js";
import { lockScheduleAndMandate } from "./locked-schedule.js";
import { createNextCollection, finish } from "./materialise.js";
import type { ScheduleChangeDeps } from "./schedule-change-deps.js";
import { amountProblem, latestScheduleDate } from "./schedule-fields.js";
import { nextChargeDateToday, noticeBoundary, upcomingChargeDate } from "./upcoming-charge.js";

/** The update_mask paths UpdateCollectionSchedule accepts. */
export const changeablePaths = ["amount_minor", "end_date"] as const;
type ChangeablePath = (typeof changeablePaths)[number];

/** ScheduleChange is an UpdateCollectionSchedule request in plain values ("" and 0n for unset). */
export interface ScheduleChange {
  id: string;
  /** The update_mask paths; undefined when absent. */
  mask: readonly string[] | undefined;
  amountMinor: bigint;
  /** YYYY-MM-DD, or "" to remove the end date. */
  endDate: string;
}

/**
 * updateSchedule changes an ACTIVE or PAUSED schedule's amount and/or end date. In order, in one
 * transaction: the collections still to be charged before the notice boundary (today's notice
 * reaches no earlier) are created under the old terms, as the payer was told of them; pending
 * collections from the boundary on take the new amount; pending ones after a new end date are
 * cancelled; the schedule takes the new terms with today's notice date (and finishes when no date
 * is left); the payer is given notice.
 */
export async function updateSchedule<View>(
  em: EntityManager,
  acting: Acting,
  change: ScheduleChange,
  deps: ScheduleChangeDeps<View>,
): Promise<View> {
  const now = deps.clock.now();
  const today = londonDate(now);
  const violations: FieldViolation[] = [];
  if (change.id === "") violations.push({ field: "schedule.id", description: "is required" });
  const paths = readMask(change.mask, violations);
  const amount = paths.has("amount_minor") ? amountProblem(change.amountMinor) : undefined;
  if (amount) violations.push({ field: "schedule.amount_minor", description: amount });
  if (paths.has("end_date") && change.endDate !== "") {
    const bad = (description: string) => violations.push({ field: "schedule.end_date", description });
    if (!isIsoDate(change.endDate)) bad("must be a calendar date YYYY-MM-DD (or empty, for no end date)");
    else if (change.endDate < today) bad(`must be today (${today}, Europe/London) or later`);
    else if (change.endDate > latestScheduleDate) bad(`must be ${latestScheduleDate} or earlier`);
  }
  if (violations.length > 0) throw new InvalidArgumentError(violations);

  return em.transactional(async (tx) => {
    const { schedule, mandate } = await lockScheduleAndMandate(tx, change.id);
    if (schedule.state !== "ACTIVE" && schedule.state !== "PAUSED") {
      throw new FailedPreconditionError(
        "COLLECTION_SCHEDULE_NOT_ACTIVE",
        `collection schedule ${schedule.id} is ${schedule.state}: only an active or paused schedule can be changed`,
        { state: schedule.state },
      );
    }
    const newEnd = paths.has("end_date") ? (change.endDate === "" ? null : change.endDate) : (schedule.endDate ?? null);
    if (paths.has("end_date") && newEnd !== null) {
      if (schedule.count != null)
        throw InvalidArgumentError.field("schedule.end_date", "cannot be set on a schedule with a count");
      if (newEnd < schedule.startDate)
        throw InvalidArgumentError.field("schedule.end_date", `must not be before start_date ${schedule.startDate}`);
    }
    const organisation = await tx.findOneOrFail(Organisation, acting.organisationId);
    const workingDays = organisation.advanceNoticeWorkingDays;
    const boundary = noticeBoundary(today, workingDays);
    const previousAmount = schedule.amountMinor;
    const newAmount = paths.has("amount_minor") ? Number(change.amountMinor) : previousAmount;
    const endDateChanged = newEnd !== (schedule.endDate ?? null);
    // The same terms again: no notice to send, so the dates stay counted from the one already sent.
    if (newAmount === previousAmount && !endDateChanged) return deps.show(tx, schedule, workingDays);

    // The end date bounds every collection from now on, those created under the old terms too.
    schedule.endDate = newEnd;
    // (1) Dates charged before the boundary were announced with the old amount: create them now
    // under the old terms, so they keep it and the change cannot reach them.
    if (schedule.state === "ACTIVE" && mandateCollects(mandate.state)) {
      const oldNotice = { sentOn: schedule.noticeDate, workingDays };
      for (;;) {
        if (schedule.state !== "ACTIVE") break;
        const next = upcomingChargeDate(schedule, mandate.state, today, oldNotice);
        if (next === null || next >= boundary) break;
        createNextCollection(tx, schedule, mandate.state, today, now, workingDays);
      }
    }
    // (2) The new terms, announced today.
    const pending = await tx.find(
      Collection,
      { schedule: schedule.id, state: "PENDING_SUBMISSION" },
      { ...lockForChange(), orderBy: { chargeDate: "asc" } },
    );
    for (const collection of pending) {
      if (newEnd !== null && collection.chargeDate > newEnd) {
        const description = `Collection schedule ${schedule.id} now ends on ${newEnd}`;
        applyCollectionStateChange(tx, collection, "CANCELLED", { description }, now);
      } else if (newAmount !== previousAmount && collection.chargeDate >= boundary) {
        const message = `Collection ${collection.id} charged ${collection.chargeDate} changed from ${pounds(collection.amountMinor)} to ${pounds(newAmount)}, the payer given notice on ${today}`;
        collection.amountMinor = newAmount;
        collection.noticeDate = today;
        collection.updateTime = now;
        recordCollectionEvent(tx, collection, { type: "collection.updated", message }, now);
      }
    }
    schedule.amountMinor = newAmount;
    schedule.noticeDate = today;
    schedule.updateTime = now;
    const said = [
      ...(newAmount !== previousAmount ? [`amount ${pounds(previousAmount)} → ${pounds(newAmount)}`] : []),
      ...(endDateChanged ? [`end date ${newEnd ?? "none"}`] : []),
    ];
    const message = `Collection schedule ${schedule.id} changed${said.length > 0 ? `: ${said.join(", ")}` : ""}`;
    recordScheduleEvent(tx, schedule, { type: "collection_schedule.updated", message }, now);
    // A finished schedule has no next date, so this finishes a live one only.
    if (newEnd !== null && schedule.nextNominalDate != null && schedule.nextNominalDate > newEnd)
      finish(tx, schedule, now);

    const stillPending = pending.filter((c) => c.state === "PENDING_SUBMISSION");
    const atNewTerms =
      newAmount !== previousAmount ? stillPending.filter((c) => c.chargeDate >= boundary) : stillPending;
    // The first the new terms apply to: the earliest pending at them, else the next to be created.
    const firstPending = atNewTerms[0];
    await deps.onScheduleNotice?.(
      tx,
      {
        kind: "changed",
        schedule,
        mandate,
        organisation,
        firstChargeDate: firstPending?.chargeDate ?? nextChargeDateToday(schedule, mandate.state, today, workingDays),
        firstCollectionId: firstPending?.id ?? null,
        previousAmountMinor: newAmount !== previousAmount ? previousAmount : null,
        endDateChanged,
      },
      now,
    );
    recordAudit(tx, {
      ...acting,
      action: "collection_schedule.update",
      target: schedule.id,
      outcome: `success:${[...paths].sort().join(",")}`,
      time: now,
    });
    await tx.flush();
    return deps.show(tx, schedule, workingDays);
  });
}

/** readMask reads update_mask, which the contract requires: no mask is a violation, not "every field set". */
function readMask(mask: readonly string[] | undefined, violations: FieldViolation[]): Set<ChangeablePath> {
  if (mask === undefined || mask.length === 0) {
    violations.push({ field: "update_mask", description: `is required; allowed paths: ${changeablePaths.join(", ")}` });
    return new Set();
  }
  return resolveUpdateMask(mask, changeablePaths, () => false, violations);
}
