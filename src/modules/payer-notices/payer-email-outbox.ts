/**
 * payer-email-outbox.ts sends payer notices from their outbox (payer-email.entity.ts). A notice is
 * stored in the transaction of the change it reports and sent as soon as that commits, before the
 * caller gets its answer; a rollback drops it unsent. A send that fails is tried again by the
 * background sweep of every replica, later each time (1 minute, doubling, at most 6 hours apart),
 * and after 12 failed attempts (about 20 hours) it is marked FAILED and logged as an error
 * for operators: the change it reports has happened, so the notice must not be silently lost.
 * Delivery is at least once: a replica that dies between the relay's acceptance and recording it
 * sends that email again.
 */
import { LockMode } from "@mikro-orm/core";
import type { EntityManager, MikroORM } from "@mikro-orm/postgresql";
import type { Clock } from "../../platform/clock.js";
import { afterCommit } from "../../platform/db/after-commit.js";
import { crossTenantFork, withTenant } from "../../platform/db/tenant-session.js";
import { newId } from "../../platform/ids.js";
import type { Mailer, MailMessage } from "../../platform/mail/mailer.js";
import type { Logger } from "../../platform/observability/logger.js";
import { PeriodicTask } from "../../platform/periodic-task.js";
import { Collection } from "../collections/collection.entity.js";
import { CollectionSchedule } from "../collections/collection-schedule.entity.js";
import { PayerEmail } from "./payer-email.entity.js";

/** After this many failed attempts an email is FAILED. */
export const MAX_ATTEMPTS = 12;
const batchSize = 50;

/** retryDelayMs is the wait after the n-th failed attempt: 1 minute, doubling, at most 6 hours. */
export function retryDelayMs(attempts: number): number {
  return Math.min(60_000 * 2 ** (attempts - 1), 6 * 3_600_000);
}

/** PayerEmailOutboxOptions are the outbox's dependencies. */
export interface PayerEmailOutboxOptions {
  orm: MikroORM;
  mailer: Mailer;
  clock: Clock;
  logger: Logger;
  /** Time between sweeps for emails due again; default 1 minute. */
  intervalMs?: number | undefined;
}

/** PayerEmailOutbox stores payer notices with their change and sends them once it commits. */
export class PayerEmailOutbox {
  private readonly task: PeriodicTask<number>;

  constructor(private readonly options: PayerEmailOutboxOptions) {
    this.task = new PeriodicTask(options.intervalMs ?? 60_000, () => this.sweep());
  }

  /**
   * enqueue stores `message` in `em`'s transaction (flushing it) and sends it once that commits;
   * outside a transaction, at once. `announces` names the collection or schedule of an advance notice.
   */
  async enqueue(
    em: EntityManager,
    organisationId: string,
    message: MailMessage,
    now: Date,
    announces: string | null = null,
  ): Promise<void> {
    const email = em.create(PayerEmail, {
      id: newId("PE", now.getTime()),
      organisation: organisationId,
      recipient: message.to,
      subject: message.subject,
      text: message.text,
      html: message.html ?? null,
      state: "PENDING",
      attempts: 0,
      nextAttemptTime: now,
      lastError: null,
      createTime: now,
      sentTime: null,
      announces,
    });
    await em.flush();
    await afterCommit(em, () =>
      withTenant(this.options.orm, organisationId, async (tx) => {
        const pending = await tx.findOne(
          PayerEmail,
          { id: email.id, state: "PENDING" },
          { lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE },
        );
        // Just committed with its change: nothing can have cancelled what it announces yet.
        if (pending) await this.attempt(tx, pending, { checkCancelled: false });
      }),
    );
  }

  /**
   * withdraw takes back, in `em`'s transaction, the emails announcing `announces` not sent yet: a
   * later notice replaces them, and the payer must not receive a date that no longer holds after it.
   */
  async withdraw(em: EntityManager, announces: string): Promise<void> {
    await em.nativeUpdate(PayerEmail, { announces, state: "PENDING" }, { state: "WITHDRAWN" });
  }

  /** start sweeps every intervalMs until stop(). */
  start(): void {
    this.task.start();
  }

  /** stop ends the timer and waits for a sweep in progress. */
  stop(): Promise<void> {
    return this.task.stop();
  }

  /** sweep sends every PENDING email that is due, across organisations, and returns how many it tried. */
  sweep(): Promise<number> {
    return this.task.join(async () => {
      let tried = 0;
      try {
        const em = crossTenantFork(this.options.orm, "payer email delivery");
        for (;;) {
          const taken = await em.transactional(async (tx) => {
            const due = await tx.find(
              PayerEmail,
              { state: "PENDING", nextAttemptTime: { $lte: this.options.clock.now() } },
              {
                filters: false,
                lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE,
                orderBy: { nextAttemptTime: "asc", id: "asc" },
                limit: batchSize,
              },
            );
            for (const email of due) await this.attempt(tx, email, { checkCancelled: true });
            return due.length;
          });
          tried += taken;
          if (taken < batchSize) break;
        }
      } catch (error) {
        this.options.logger.warn({ err: error }, "payer email sweep failed; the next one retries");
      }
      return tried;
    });
  }

  /**
   * attempt sends one locked PENDING email and records the outcome on it; an advance notice of a
   * payment or schedule cancelled since it was queued is withdrawn instead (cancelledSince: only
   * asked by the sweep, which sends what waited, not on the send right after the change commits).
   */
  private async attempt(
    em: EntityManager,
    email: PayerEmail,
    { checkCancelled }: { checkCancelled: boolean },
  ): Promise<void> {
    const { mailer, clock, logger } = this.options;
    if (checkCancelled && (await cancelledSince(em, email))) {
      email.state = "WITHDRAWN";
      return;
    }
    try {
      await mailer.send({
        to: email.recipient,
        subject: email.subject,
        text: email.text,
        html: email.html ?? undefined,
      });
      email.state = "SENT";
      email.sentTime = clock.now();
    } catch (error) {
      email.attempts += 1;
      email.lastError = (error instanceof Error ? error.message : String(error)).slice(0, 500);
      const context = { payer_email: email.id, organisation_id: email.organisation.id, attempts: email.attempts };
      if (email.attempts >= MAX_ATTEMPTS) {
        email.state = "FAILED";
        logger.error({ ...context, err: error }, "payer notice could not be sent: given up");
      } else {
        email.nextAttemptTime = new Date(clock.now().getTime() + retryDelayMs(email.attempts));
        logger.warn({ ...context, err: error }, "payer notice not sent; it will be tried again");
      }
    }
  }
}

/**
 * cancelledSince says whether the collection or schedule an advance notice announces was cancelled
 * (or the schedule paused) after the notice was queued (by the organisation, with its mandate, or
 * because a move would have reached the next payment): the payer must not be told of a payment
 * that will not be taken. A notice queued with the cancellation (the one saying it will not be
 * collected) still goes.
 */
async function cancelledSince(em: EntityManager, email: PayerEmail): Promise<boolean> {
  const id = email.announces;
  if (id == null) return false;
  // A paused schedule's pending collections were cancelled; resuming it sends a notice of its own.
  const cancelledAt = id.startsWith("CS")
    ? await em
        .findOne(
          CollectionSchedule,
          { id, state: { $in: ["CANCELLED", "PAUSED"] } },
          { filters: false, fields: ["updateTime"] },
        )
        .then((schedule) => schedule?.updateTime)
    : await em
        .findOne(Collection, { id, state: "CANCELLED" }, { filters: false, fields: ["stateChangeTime"] })
        .then((collection) => collection?.stateChangeTime);
  return cancelledAt !== undefined && email.createTime < cancelledAt;
}
