/**
 * payer-notices.ts gives payers the notices the Direct Debit scheme requires, each in the
 * transaction of the change it reports, and each recorded in the organisation's notification feed:
 * - the confirmation of the Instruction, when the payer completes it (the scheme allows 3 working
 *   days; we send it at once);
 * - the advance notice of a schedule's amount, frequency and first charge date, when it is set up;
 * - the cancellation notice, when an Instruction the payer gave is cancelled.
 * Organisations that send their own notices (payerNoticesBy ORGANISATION) get the feed's events
 * only, to act on. A mail failure throws, so the change it reports does not happen without it.
 */
import type { EntityManager } from "@mikro-orm/postgresql";
import type { Mailer } from "../../platform/mail/mailer.js";
import type { Collection } from "../collections/collection.entity.js";
import type { CollectionSchedule } from "../collections/collection-schedule.entity.js";
import { pounds } from "../collections/collection-state-change.js";
import type { ScheduleNotice } from "../collections/schedule-changes.js";
import { Organisation } from "../identity/organisation.entity.js";
import type { Mandate } from "../mandates/mandate.entity.js";
import { recordNotification } from "../notifications/notifications.js";
import {
  advanceNotice,
  cancellationNotice,
  instructionConfirmation,
  type PayerLetter,
  scheduleChangeNotice,
} from "./notice-emails.js";

/** The notification feed's types for payer notices (alert.mapper.ts maps them to the contract's). */
export const payerNoticeTypes = {
  confirmation: "payer.instruction_confirmation",
  advance: "payer.advance_notice",
  cancellation: "payer.cancellation_notice",
} as const;

/** PayerNotices sends payers their notices through `mailer`. */
export class PayerNotices {
  constructor(private readonly mailer: Mailer) {}

  /** instructionConfirmed confirms a just-completed Instruction to its payer. */
  async instructionConfirmed(em: EntityManager, mandate: Mandate, now: Date): Promise<void> {
    const organisation = await em.findOneOrFail(Organisation, mandate.organisation.id);
    const byUs = organisation.payerNoticesBy === "SERVICE";
    record(em, mandate, payerNoticeTypes.confirmation, now, {
      message: byUs
        ? `Instruction confirmation emailed to the payer of mandate ${mandate.id} (reference ${mandate.reference})`
        : `Send the payer of mandate ${mandate.id} (reference ${mandate.reference}) the confirmation of their Instruction within 3 working days`,
    });
    if (!byUs) return;
    await em.flush();
    await this.mailer.send(
      instructionConfirmation(letterOf(mandate, organisation), {
        accountHolderName: mandate.accountHolderName ?? "",
        sortCode: mandate.sortCode ?? "",
        accountNumberEnding: mandate.accountNumberEnding ?? "",
        noticeWorkingDays: organisation.advanceNoticeWorkingDays,
      }),
    );
  }

  /** scheduleAnnounced gives the payer advance notice of a schedule's collections. */
  async scheduleAnnounced(
    em: EntityManager,
    { schedule, mandate, organisation, first }: AnnouncedSchedule,
    now: Date,
  ): Promise<void> {
    const byUs = organisation.payerNoticesBy === "SERVICE";
    const plan = {
      amount: pounds(schedule.amountMinor),
      frequency: frequencyOf(schedule),
      firstChargeDate: first.chargeDate,
      endDate: schedule.endDate ?? null,
    };
    const what = `${plan.amount} ${plan.frequency} from ${plan.firstChargeDate} under mandate ${mandate.id}`;
    record(em, mandate, payerNoticeTypes.advance, now, {
      resourceType: "collection_schedule",
      resourceId: schedule.id,
      collectionId: first.id,
      message: byUs ? `Advance notice emailed to the payer: ${what}` : `Send the payer advance notice today: ${what}`,
    });
    if (!byUs) return;
    await em.flush();
    await this.mailer.send(advanceNotice(letterOf(mandate, organisation), plan));
  }

  /**
   * scheduleChanged gives the payer advance notice of a schedule's changed amount or end date, or,
   * when it resumes, of its collections again as at set-up.
   */
  async scheduleChanged(em: EntityManager, notice: ScheduleNotice, now: Date): Promise<void> {
    const { schedule, mandate, organisation, firstChargeDate } = notice;
    const byUs = organisation.payerNoticesBy === "SERVICE";
    const amount = pounds(schedule.amountMinor);
    const frequency = frequencyOf(schedule);
    const endDate = schedule.endDate ?? null;
    const finished = schedule.state === "FINISHED";
    const from = firstChargeDate !== null && !finished ? ` from ${firstChargeDate}` : "";
    const what =
      notice.kind === "resumed"
        ? `schedule ${schedule.id} resumed: ${amount} ${frequency}${from} under mandate ${mandate.id}`
        : `schedule ${schedule.id} changed: ${[
            ...(notice.previousAmountMinor !== null
              ? [`${pounds(notice.previousAmountMinor)} → ${amount}${from}`]
              : []),
            ...(notice.endDateChanged ? [`end date ${endDate ?? "none"}`] : []),
            ...(finished ? ["no more payments"] : []),
          ].join(", ")} under mandate ${mandate.id}`;
    record(em, mandate, payerNoticeTypes.advance, now, {
      resourceType: "collection_schedule",
      resourceId: schedule.id,
      ...(notice.firstCollectionId ? { collectionId: notice.firstCollectionId } : {}),
      message: byUs ? `Advance notice emailed to the payer: ${what}` : `Send the payer advance notice today: ${what}`,
    });
    if (!byUs) return;
    await em.flush();
    const letter = letterOf(mandate, organisation);
    await this.mailer.send(
      notice.kind === "resumed" && firstChargeDate !== null
        ? advanceNotice(letter, { amount, frequency, firstChargeDate, endDate })
        : scheduleChangeNotice(letter, {
            amount,
            previousAmount: notice.previousAmountMinor === null ? null : pounds(notice.previousAmountMinor),
            frequency,
            firstChargeDate,
            endDate,
            endDateChanged: notice.endDateChanged,
            finished,
          }),
    );
  }

  /** instructionCancelled tells the payer an Instruction they gave is cancelled; none they never gave. */
  async instructionCancelled(em: EntityManager, mandate: Mandate, now: Date): Promise<void> {
    if (mandate.state !== "CANCELLED" || mandate.accountNumberCiphertext == null) return;
    const organisation = await em.findOneOrFail(Organisation, mandate.organisation.id);
    const byUs = organisation.payerNoticesBy === "SERVICE";
    record(em, mandate, payerNoticeTypes.cancellation, now, {
      message: byUs
        ? `Cancellation notice emailed to the payer of mandate ${mandate.id} (reference ${mandate.reference})`
        : `Tell the payer of mandate ${mandate.id} (reference ${mandate.reference}) that it is cancelled`,
    });
    if (!byUs) return;
    await em.flush();
    const why =
      mandate.lastChangeCause === "ORGANISATION"
        ? `${organisation.name} cancelled it`
        : "your bank told us it was cancelled";
    await this.mailer.send(cancellationNotice(letterOf(mandate, organisation), why));
  }
}

/** AnnouncedSchedule is a schedule whose terms were just set, with its first collection. */
export interface AnnouncedSchedule {
  schedule: CollectionSchedule;
  mandate: Mandate;
  organisation: Organisation;
  first: Collection;
}

function letterOf(mandate: Mandate, organisation: Organisation): PayerLetter {
  return {
    payerName: mandate.payerName,
    payerEmail: mandate.payerEmail,
    reference: mandate.reference,
    payee: {
      name: organisation.name,
      statementName: organisation.bacsDisplayName ?? organisation.name,
      serviceUserNumber: organisation.serviceUserNumber ?? null,
    },
  };
}

function record(
  em: EntityManager,
  mandate: Mandate,
  type: string,
  now: Date,
  entry: { message: string; resourceType?: string; resourceId?: string; collectionId?: string },
): void {
  recordNotification(em, {
    organisationId: mandate.organisation.id,
    type,
    resourceType: entry.resourceType ?? "mandate",
    resourceId: entry.resourceId ?? mandate.id,
    mandateId: mandate.id,
    collectionId: entry.collectionId ?? null,
    message: entry.message,
    time: now,
  });
}

/** frequencyOf says how often a schedule collects, as the payer reads it. */
export function frequencyOf(schedule: Pick<CollectionSchedule, "intervalUnit" | "interval" | "dayOfMonth">): string {
  if (schedule.intervalUnit === "WEEKLY")
    return schedule.interval === 1 ? "weekly" : `every ${schedule.interval} weeks`;
  const every = schedule.interval === 1 ? "monthly" : `every ${schedule.interval} months`;
  const day = schedule.dayOfMonth === -1 ? "the last day of the month" : `day ${schedule.dayOfMonth} of the month`;
  return `${every} on ${day}`;
}
