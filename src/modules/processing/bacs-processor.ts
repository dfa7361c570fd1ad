/**
 * bacs-processor.ts runs Bacs processing in the background of every replica. On each Bacs working
 * day, in this order: it submits mandates pending submission and activates submitted ones whose
 * AUDDIS window has closed (mandate-steps.ts); creates the collections schedules have due
 * (materialiseDue); submits, confirms and pays out collections (collection-steps.ts); and expires
 * mandates dormant for 13 months (mandate-expiry.ts). Collections come after the mandate steps so
 * a mandate activated today can have its collections submitted today, and expiry comes last so
 * today's submissions count as use.
 *
 * It is the one job that works across organisations, on purpose: Bacs input is one file for the
 * whole service, not per tenant. So it claims rows with raw SQL in a transaction across tenants
 * (acrossTenants: the tenant filter does not apply to raw SQL, and row-level security lets the
 * named purpose "bacs processing" through), and it only ever reads the id and organisation of the
 * rows it claims (and, for a collection, its dates, its mandate's state, its organisation's notice
 * period and what became of its notice emails: collection-steps.ts). Each row is
 * then changed on a fork scoped to its own organisation, exactly like a request of that
 * organisation: mandates through MandateTransitions, collections through applyCollectionStateChange,
 * so the rules and the notification are the same as for any other change.
 *
 * Replicas never process a row twice: a batch is claimed with `FOR UPDATE SKIP LOCKED` inside a
 * transaction, and the changes run in that same transaction (one savepoint per row). Another
 * replica's claim skips the locked rows, and once the batch commits they no longer match.
 */
import type { MikroORM } from "@mikro-orm/postgresql";
import type { Clock } from "../../platform/clock.js";
import { scopeToOrganisation } from "../../platform/db/tenant-filter.js";
import { acrossTenants, crossTenantFork } from "../../platform/db/tenant-session.js";
import type { Logger } from "../../platform/observability/logger.js";
import { RepeatedLog } from "../../platform/observability/repeated-log.js";
import { PeriodicTask } from "../../platform/periodic-task.js";
import { isWorkingDay } from "../calendar/bacs-calendar.js";
import { londonDate } from "../calendar/london-date.js";
import type { IsoDate } from "../calendar/plain-date.js";
import { Collection } from "../collections/collection.entity.js";
import { applyCollectionStateChange } from "../collections/collection-state-change.js";
import { materialiseDue } from "../collections/materialise.js";
import type { CollectionMovedHook } from "../collections/moved-collection.js";
import { postponeCollection } from "../collections/postpone.js";
import type { MandateTransitions } from "../mandates/mandate-transitions.js";
import { type CollectionStep, claimCollections, claimedRow, collectionSteps } from "./collection-steps.js";
import { expireStep } from "./mandate-expiry.js";
import { activateStep, type MandateStep, submitStep } from "./mandate-steps.js";

/** BacsProcessorOptions are the processor's dependencies and limits. */
export interface BacsProcessorOptions {
  orm: MikroORM;
  clock: Clock;
  transitions: MandateTransitions;
  logger: Logger;
  /**
   * Gives the payer notice of a collection moved to a later date, or cancelled because it could
   * not be (its mandate still being set up on its input day, its notice not sent in time, or it
   * was created too late for its schedule's date), in the transaction that moves (or creates) it.
   * A throw leaves the collection where it was (or uncreated), to be tried again on the next run.
   */
  onCollectionMoved: CollectionMovedHook;
  /**
   * Called for each row a step could not change (`mandate.submit`, `collection.submit`, …): the
   * row stays due and the next run tries it again, so a count that keeps rising is a row stuck.
   */
  onRowFailed?: ((step: string) => void) | undefined;
  /** Time between runs; default 5 seconds. */
  intervalMs?: number;
  /** Rows (mandates or collections) claimed per transaction; default 50. */
  batchSize?: number;
  /** Batches per step per run at most, so one run stays short; default 20. */
  maxBatches?: number;
}

/** ProcessingRun is what one run did, for logs and tests. */
export interface ProcessingRun {
  /** The UK date the run took as today. */
  today: IsoDate;
  /** False on weekends and bank holidays: nothing is done. */
  workingDay: boolean;
  /** Mandates submitted, activated and expired. */
  submitted: number;
  activated: number;
  expired: number;
  /** Collections created from schedules. */
  materialised: number;
  /** Collections moved, by step; collectionsCancelled were due for submission under a mandate that was not ACTIVE. */
  collectionsSubmitted: number;
  collectionsCancelled: number;
  /** Collections due for submission under a mandate still being set up: given a later charge date. */
  collectionsPostponed: number;
  collectionsConfirmed: number;
  collectionsPaidOut: number;
  /** Rows whose change failed (logged); the next run tries them again. */
  failed: number;
}

/** BatchResult is what one claimed batch did. */
interface BatchResult {
  claimed: number;
  done: number;
  failed: number;
  /** Collections cancelled rather than submitted (submit step only). */
  cancelled: number;
  /** Collections given a later charge date while their mandate is set up (submit step only). */
  postponed: number;
}

/** The audit actor of the processor's changes. */
export const processorActor = "system:bacs-processor";

/** BacsProcessor runs runOnce on a timer between start() and stop(). */
export class BacsProcessor {
  private readonly task: PeriodicTask<ProcessingRun>;
  /** A row that keeps failing fails every run (every few seconds): logged in full once a minute. */
  private readonly rowFailures: RepeatedLog;

  constructor(private readonly options: BacsProcessorOptions) {
    this.task = new PeriodicTask(options.intervalMs ?? 5_000, () => this.tick());
    this.rowFailures = new RepeatedLog(options.logger);
  }

  /** start runs the processor every intervalMs until stop(). */
  start(): void {
    this.task.start();
  }

  /** stop ends the timer and waits for a run in progress. */
  async stop(): Promise<void> {
    await this.task.stop();
    this.rowFailures.close();
  }

  /**
   * runOnce processes everything due at `now` (default: the clock's now) and reports what it did.
   * Runs of one instance never overlap (a second call joins the first); runs of different
   * instances or replicas may, and SKIP LOCKED keeps them apart.
   */
  runOnce(now: Date = this.options.clock.now()): Promise<ProcessingRun> {
    return this.task.join(() => this.run(now));
  }

  private async tick(): Promise<void> {
    try {
      const run = await this.runOnce();
      const { today: _today, workingDay: _workingDay, ...counts } = run;
      if (Object.values(counts).some((n) => n > 0)) this.options.logger.info({ ...run }, "Bacs processing run");
    } catch (error) {
      this.options.logger.warn({ err: error }, "Bacs processing run failed; the next run retries");
    }
  }

  private async run(now: Date): Promise<ProcessingRun> {
    const today = londonDate(now);
    const run: ProcessingRun = {
      today,
      workingDay: isWorkingDay(today),
      submitted: 0,
      activated: 0,
      expired: 0,
      materialised: 0,
      collectionsSubmitted: 0,
      collectionsCancelled: 0,
      collectionsPostponed: 0,
      collectionsConfirmed: 0,
      collectionsPaidOut: 0,
      failed: 0,
    };
    if (!run.workingDay) return run; // Bacs neither takes input nor reports on non-working days
    const submit = await this.drain((limit) => this.mandateBatch(submitStep, today, limit));
    const activate = await this.drain((limit) => this.mandateBatch(activateStep, today, limit));
    run.submitted = submit.done;
    run.activated = activate.done;
    run.failed += submit.failed + activate.failed;
    // materialiseDue batches and locks on its own (SKIP LOCKED on schedules).
    run.materialised = await materialiseDue(crossTenantFork(this.options.orm, "bacs processing"), today, now, {
      onMoved: this.options.onCollectionMoved,
      onFailed: (scheduleId, error) => {
        run.failed++;
        this.options.onRowFailed?.("collection.materialise");
        this.rowFailures.log(
          "error",
          `collection.materialise ${scheduleId}`,
          { err: error, schedule_id: scheduleId },
          "Bacs processing could not create a schedule's collections; the next run tries again",
        );
      },
    });
    for (const step of collectionSteps) {
      const result = await this.drain((limit) => this.collectionBatch(step, today, limit, now));
      run.failed += result.failed;
      if (step.name === "submit") {
        run.collectionsSubmitted = result.done;
        run.collectionsCancelled = result.cancelled;
        run.collectionsPostponed = result.postponed;
      } else if (step.name === "confirm") run.collectionsConfirmed = result.done;
      else run.collectionsPaidOut = result.done;
    }
    const expire = await this.drain((limit) => this.mandateBatch(expireStep, today, limit));
    run.expired = expire.done;
    run.failed += expire.failed;
    return run;
  }

  /** drain claims and processes batches of due rows until none are left (or maxBatches). */
  private async drain(batch: (limit: number) => Promise<BatchResult>): Promise<Omit<BatchResult, "claimed">> {
    const { batchSize = 50, maxBatches = 20 } = this.options;
    const total = { done: 0, failed: 0, cancelled: 0, postponed: 0 };
    for (let n = 0; n < maxBatches; n++) {
      const { claimed, done, failed, cancelled, postponed } = await batch(batchSize);
      total.done += done;
      total.failed += failed;
      total.cancelled += cancelled;
      total.postponed += postponed;
      // A failed row stays due; stop rather than claim it again and again in this run.
      if (claimed < batchSize || failed > 0) break;
    }
    return total;
  }

  private async mandateBatch(step: MandateStep, today: IsoDate, limit: number): Promise<BatchResult> {
    const { where, params } = step.due(today);
    // Unscoped on purpose (see the file comment): this select is a cross-tenant read.
    return acrossTenants(this.options.orm, "bacs processing", async (tx) => {
      const rows = await tx
        .getConnection()
        .execute<{ id: string; organisation_id: string }[]>(
          `select "id", "organisation_id" from "mandate" where ${where} order by "id" limit ? for update skip locked`,
          [...params, limit],
          "all",
          tx.getTransactionContext(),
        );
      let done = 0;
      let failed = 0;
      for (const row of rows) {
        // Same transaction (the row lock is ours), scoped to the mandate's organisation;
        // applyExternal's own transaction becomes a savepoint, so one failure spoils nothing else.
        const scoped = scopeToOrganisation(tx.fork({ keepTransactionContext: true }), row.organisation_id);
        try {
          const acting = { organisationId: row.organisation_id, actor: processorActor };
          await this.options.transitions.applyExternal(scoped, acting, row.id, step.action, step.change(today));
          done++;
        } catch (error) {
          failed++;
          this.options.onRowFailed?.(`mandate.${step.action}`);
          this.rowFailures.log(
            "error",
            `mandate.${step.action} ${row.id}`,
            { err: error, mandate_id: row.id, action: step.action },
            "Bacs processing could not change a mandate; the next run tries again",
          );
        }
      }
      return { claimed: rows.length, done, failed, cancelled: 0, postponed: 0 };
    });
  }

  private async collectionBatch(step: CollectionStep, today: IsoDate, limit: number, now: Date): Promise<BatchResult> {
    // Unscoped on purpose (see the file comment): the claim is a cross-tenant read.
    return acrossTenants(this.options.orm, "bacs processing", async (tx) => {
      const rows = await claimCollections(tx, step, today, limit);
      const result: BatchResult = { claimed: rows.length, done: 0, failed: 0, cancelled: 0, postponed: 0 };
      for (const row of rows) {
        const move = step.move(claimedRow(row), today);
        // As for mandates: our transaction and lock, the row's organisation, a savepoint per row.
        const scoped = scopeToOrganisation(tx.fork({ keepTransactionContext: true }), row.organisation_id);
        try {
          const outcome = await scoped.transactional(async (inner) => {
            const collection = await inner.findOneOrFail(Collection, { id: row.id });
            if ("postponeTo" in move) {
              const from = collection.chargeDate;
              const outcome = await postponeCollection(inner, collection, move.postponeTo, move.change, now);
              await this.options.onCollectionMoved(inner, { collection, from, reason: move.reason }, now);
              return outcome;
            }
            applyCollectionStateChange(inner, collection, move.to, move.change, now);
            return move.to === "CANCELLED" ? "cancelled" : "done";
          });
          result[outcome]++;
        } catch (error) {
          result.failed++;
          this.options.onRowFailed?.(`collection.${step.name}`);
          this.rowFailures.log(
            "error",
            `collection.${step.name} ${row.id}`,
            { err: error, collection_id: row.id, step: step.name },
            "Bacs processing could not change a collection; the next run tries again",
          );
        }
      }
      return result;
    });
  }
}
