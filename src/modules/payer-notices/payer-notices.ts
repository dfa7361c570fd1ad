/**
 * payer-notices.ts gives payers the notices the Direct Debit scheme requires, each in the
 * transaction of the change it reports, and each recorded in the organisation's notification feed:
 * - the confirmation of the Instruction, when the payer completes it (the scheme allows 3 working
 *   days; we send it at once);
 * - the advance notice of a schedule's amount, frequency and first charge date, when it is set up,
 *   and of a one-off collection's amount and date, when it is created;
 * - the advance notice of a failed collection presented again: its amount and new date;
 * - the advance notice of a collection moved later while the mandate was being set up, or because
 *   its notice could not be sent in time (or that it will not be taken, when the move would reach
 *   the schedule's next payment);
 * - the cancellation notice, when an Instruction the payer gave is cancelled.
 * Organisations that send their own notices (payerNoticesBy ORGANISATION) get the feed's events
 * only, to act on. Emails go through the outbox (payer-email-outbox.ts): sent once the change
 * commits, and retried while the mail relay refuses them, so a relay outage never blocks a change.
 */
import type { EntityManager } from "@mikro-orm/postgresql";
import type { MailMessage } from "../../platform/mail/mailer.js";
import type { Collection } from "../collections/collection.entity.js";
import type { CollectionSchedule } from "../collections/collection-schedule.entity.js";
import { pounds } from "../collections/collection-state-change.js";
import type { MovedCollection, PostponeReason } from "../collections/moved-collection.js";
import type { RetriedCollection } from "../collections/retry.js";
import type { ScheduleNotice } from "../collections/schedule-notice.js";
import { Organisation } from "../identity/organisation.entity.js";
import { Mandate } from "../mandates/mandate.entity.js";
import { recordNotification } from "../notifications/notifications.js";
import {
  advanceNotice,
  cancellationNotice,
  instructionConfirmation,
  type MovedPayment,
  movedPaymentNotice,
  oneOffAdvanceNotice,
  type PayerLetter,
  retryNotice,
  scheduleChangeNotice,
} from "./notice-emails.js";
import type { PayerEmailOutbox } from "./payer-email-outbox.js";

/** The notification feed's types for payer notices (alert.mapper.ts maps them to the contract's). */
export const payerNoticeTypes = {
  confirmation: "payer.instruction_confirmation",
  advance: "payer.advance_notice",
  cancellation: "payer.cancellation_notice",
} as const;

/** PayerNotices sends payers their notices through `outbox`. */
export class PayerNotices {
  constructor(private readonly outbox: PayerEmailOutbox) {}

  /** email stores the notice to go out once the change commits; `announces` as PayerEmail's. */
  private email(
    em: EntityManager,
    organisation: Organisation,
    message: MailMessage,
    now: Date,
    announces: string | null = null,
  ): Promise<void> {
    return this.outbox.enqueue(em, organisation.id, message, now, announces);
  }

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
    const confirmation = instructionConfirmation(letterOf(mandate, organisation), {
      accountHolderName: mandate.accountHolderName ?? "",
      sortCode: mandate.sortCode ?? "",
      accountNumberEnding: mandate.accountNumberEnding ?? "",
      noticeWorkingDays: organisation.advanceNoticeWorkingDays,
    });
    await this.email(em, organisation, confirmation, now);
  }

  /** scheduleAnnounced gives the payer advance notice of a schedule's collections. */
  scheduleAnnounced(
    em: EntityManager,
    { schedule, mandate, organisation, first }: AnnouncedSchedule,
    now: Date,
  ): Promise<void> {
    const plan = {
      amount: pounds(schedule.amountMinor),
      frequency: frequencyOf(schedule),
      firstChargeDate: first.chargeDate,
      endDate: schedule.endDate ?? null,
    };
    return this.announce(em, mandate, organisation, now, {
      resource: { resourceType: "collection_schedule", resourceId: schedule.id, collectionId: first.id },
      what: `${plan.amount} ${plan.frequency} from ${plan.firstChargeDate} under mandate ${mandate.id}`,
      letter: (to) => advanceNotice(to, plan),
    });
  }

  /** oneOffAnnounced gives the payer advance notice of a one-off collection. */
  oneOffAnnounced(em: EntityManager, { collection, mandate, organisation }: AnnouncedOneOff, now: Date): Promise<void> {
    const payment = {
      amount: pounds(collection.amountMinor),
      chargeDate: collection.chargeDate,
      description: collection.description,
    };
    return this.announce(em, mandate, organisation, now, {
      resource: { resourceType: "collection", resourceId: collection.id, collectionId: collection.id },
      what: `${payment.amount} once on ${payment.chargeDate} under mandate ${mandate.id}`,
      letter: (to) => oneOffAdvanceNotice(to, payment),
    });
  }

  /** retryAnnounced gives the payer advance notice of a failed collection presented again. */
  retryAnnounced(
    em: EntityManager,
    { collection, mandate, organisation }: RetriedCollection,
    now: Date,
  ): Promise<void> {
    const plan = {
      amount: pounds(collection.amountMinor),
      chargeDate: collection.chargeDate,
      originalChargeDate: collection.originalChargeDate,
      attempt: collection.retryCount + 1,
    };
    return this.announce(em, mandate, organisation, now, {
      resource: { resourceType: "collection", resourceId: collection.id, collectionId: collection.id },
      what: `${plan.amount} collected again on ${plan.chargeDate} (first due ${plan.originalChargeDate}, returned unpaid) under mandate ${mandate.id}`,
      letter: (to) => retryNotice(to, plan),
    });
  }

  /**
   * scheduleChanged gives the payer advance notice of a schedule's changed amount or end date, or,
   * when it resumes, of its collections again as at set-up.
   */
  scheduleChanged(em: EntityManager, notice: ScheduleNotice, now: Date): Promise<void> {
    const { schedule, mandate, organisation, firstChargeDate } = notice;
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
    return this.announce(em, mandate, organisation, now, {
      resource: {
        resourceType: "collection_schedule",
        resourceId: schedule.id,
        ...(notice.firstCollectionId ? { collectionId: notice.firstCollectionId } : {}),
      },
      what,
      letter: (to) =>
        notice.kind === "resumed" && firstChargeDate !== null
          ? advanceNotice(to, { amount, frequency, firstChargeDate, endDate })
          : scheduleChangeNotice(to, {
              amount,
              previousAmount: notice.previousAmountMinor === null ? null : pounds(notice.previousAmountMinor),
              frequency,
              firstChargeDate,
              endDate,
              endDateChanged: notice.endDateChanged,
              finished,
            }),
    });
  }

  /**
   * collectionMoved gives the payer advance notice of a collection moved to a later date, or tells
   * them it will not be taken (CANCELLED: the move would have reached the schedule's next payment):
   * its mandate was still being set up on its Bacs input day, its notice had not been sent in
   * time (collection-steps.ts, postpone.ts), or it was created too late for its schedule's date
   * (materialise.ts).
   */
  async collectionMoved(em: EntityManager, { collection, from, reason }: MovedCollection, now: Date): Promise<void> {
    const mandate = await em.findOneOrFail(Mandate, collection.mandate.id);
    const organisation = await em.findOneOrFail(Organisation, mandate.organisation.id);
    const dropped = collection.state === "CANCELLED";
    // A notice of the old date still waiting to go would now mislead: this one replaces it.
    await this.outbox.withdraw(em, collection.id);
    const payment = {
      amount: pounds(collection.amountMinor),
      previousDate: from,
      chargeDate: dropped ? null : collection.chargeDate,
      why: whyMoved(reason, mandate.state),
      scheduled: collection.schedule != null,
    };
    return this.announce(em, mandate, organisation, now, {
      resource: { resourceType: "collection", resourceId: collection.id, collectionId: collection.id },
      what: dropped
        ? `${payment.amount} due ${from} will not be collected under mandate ${mandate.id}`
        : `${payment.amount} moved from ${from} to ${collection.chargeDate} under mandate ${mandate.id}`,
      letter: (to) => movedPaymentNotice(to, payment),
    });
  }

  /**
   * announce records an advance notice in the feed and, when the service sends the organisation's
   * notices, emails the payer `letter`; otherwise the feed tells the organisation to send it today.
   */
  private async announce(
    em: EntityManager,
    mandate: Mandate,
    organisation: Organisation,
    now: Date,
    notice: { resource: FeedResource; what: string; letter: (to: PayerLetter) => MailMessage },
  ): Promise<void> {
    const byUs = organisation.payerNoticesBy === "SERVICE";
    record(em, mandate, payerNoticeTypes.advance, now, {
      ...notice.resource,
      message: byUs
        ? `Advance notice emailed to the payer: ${notice.what}`
        : `Send the payer advance notice today: ${notice.what}`,
    });
    if (byUs) {
      const letter = notice.letter(letterOf(mandate, organisation));
      await this.email(em, organisation, letter, now, notice.resource.resourceId);
    }
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
    const why =
      mandate.lastChangeCause === "ORGANISATION"
        ? `${organisation.name} cancelled it`
        : "your bank told us it was cancelled";
    await this.email(em, organisation, cancellationNotice(letterOf(mandate, organisation), why), now);
  }
}

/** AnnouncedSchedule is a schedule whose terms were just set, with its first collection. */
export interface AnnouncedSchedule {
  schedule: CollectionSchedule;
  mandate: Mandate;
  organisation: Organisation;
  first: Collection;
}

/** AnnouncedOneOff is a just-created one-off collection with its mandate and organisation. */
export interface AnnouncedOneOff {
  collection: Collection;
  mandate: Mandate;
  organisation: Organisation;
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

/** FeedResource is what a feed entry is about, when not the mandate itself. */
interface FeedResource {
  resourceType?: string;
  resourceId?: string;
  collectionId?: string;
}

function record(
  em: EntityManager,
  mandate: Mandate,
  type: string,
  now: Date,
  entry: FeedResource & { message: string },
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

/** whyMoved is what the payer is told of why a payment moved (movedPaymentNotice). */
function whyMoved(reason: PostponeReason, mandateState: string): MovedPayment["why"] {
  if (reason === "NOTICE_NOT_SENT") return "NOTICE_NOT_SENT";
  if (reason === "CREATED_LATE") return "NOT_COLLECTED";
  return mandateState === "PENDING_CUSTOMER_APPROVAL" ? "NOT_COMPLETED" : "NOT_SET_UP";
}
