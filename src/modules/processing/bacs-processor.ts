/**
 * bacs-processor.ts runs Bacs processing for mandates in the background of every replica: on each
 * Bacs working day it submits mandates pending submission and activates submitted ones whose AUDDIS
 * window has closed (mandate-steps.ts has the timing).
 *
 * It is the one job that works across organisations, on purpose: Bacs input is one file for the
 * whole service, not per tenant. So it claims rows with raw SQL on an unscoped EntityManager (the
 * tenant filter does not apply to raw SQL), and it only ever reads the id and organisation of the
 * rows it claims. Each mandate is then moved through MandateManager on a fork scoped to that
 * mandate's own organisation, exactly like a request of that organisation, so the rules, the
 * notification and the audit event are the same as for any other change.
 *
 * Replicas never process a mandate twice: a batch is claimed with `FOR UPDATE SKIP LOCKED` inside a
 * transaction, and the changes run in that same transaction (one savepoint per mandate). Another
 * replica's claim skips the locked rows, and once the batch commits they no longer match.
 */
import type { MikroORM } from "@mikro-orm/postgresql";
import type { Clock } from "../../platform/clock.js";
import { scopeToOrganisation } from "../../platform/db/tenant-filter.js";
import type { Logger } from "../../platform/observability/logger.js";
import { isWorkingDay } from "../collections/bacs-calendar.js";
import type { IsoDate } from "../collections/plain-date.js";
import type { MandateManager } from "../mandates/mandate.service.js";
import { bacsDateOf } from "./bacs-day.js";
import { activateStep, submitStep, type MandateStep } from "./mandate-steps.js";

/** BacsProcessorOptions are the processor's dependencies and limits. */
export interface BacsProcessorOptions {
  orm: MikroORM;
  clock: Clock;
  mandates: MandateManager;
  logger: Logger;
  /** Time between runs; default 5 seconds. */
  intervalMs?: number;
  /** Mandates claimed per transaction; default 50. */
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
  submitted: number;
  activated: number;
  /** Mandates whose change failed (logged); the next run tries them again. */
  failed: number;
}

/** The audit actor of the processor's changes. */
export const processorActor = "system:bacs-processor";

/** BacsProcessor runs runOnce on a timer between start() and stop(). */
export class BacsProcessor {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<ProcessingRun> | undefined;

  constructor(private readonly options: BacsProcessorOptions) {}

  /** start runs the processor every intervalMs until stop(). */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs ?? 5_000);
    this.timer.unref(); // never keeps a process alive on its own
  }

  /** stop ends the timer and waits for a run in progress. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /**
   * runOnce processes everything due at `now` (default: the clock's now) and reports what it did.
   * Runs of one instance never overlap (a second call joins the first); runs of different
   * instances or replicas may, and SKIP LOCKED keeps them apart.
   */
  runOnce(now: Date = this.options.clock.now()): Promise<ProcessingRun> {
    this.running ??= this.run(now).finally(() => (this.running = undefined));
    return this.running;
  }

  private async tick(): Promise<void> {
    try {
      const run = await this.runOnce();
      if (run.submitted + run.activated + run.failed > 0) this.options.logger.info({ ...run }, "Bacs processing run");
    } catch (error) {
      this.options.logger.warn({ err: error }, "Bacs processing run failed; the next run retries");
    }
  }

  private async run(now: Date): Promise<ProcessingRun> {
    const today = bacsDateOf(now);
    const run: ProcessingRun = { today, workingDay: isWorkingDay(today), submitted: 0, activated: 0, failed: 0 };
    if (!run.workingDay) return run; // Bacs neither takes input nor reports on non-working days
    const submit = await this.drain(submitStep, today);
    const activate = await this.drain(activateStep, today);
    run.submitted = submit.done;
    run.activated = activate.done;
    run.failed = submit.failed + activate.failed;
    return run;
  }

  /** drain claims and processes batches of due mandates until none are left (or maxBatches). */
  private async drain(step: MandateStep, today: IsoDate): Promise<{ done: number; failed: number }> {
    const { batchSize = 50, maxBatches = 20 } = this.options;
    const total = { done: 0, failed: 0 };
    for (let batch = 0; batch < maxBatches; batch++) {
      const { claimed, done, failed } = await this.processBatch(step, today, batchSize);
      total.done += done;
      total.failed += failed;
      // A failed row stays due; stop rather than claim it again and again in this run.
      if (claimed < batchSize || failed > 0) break;
    }
    return total;
  }

  private async processBatch(step: MandateStep, today: IsoDate, limit: number) {
    const { where, params } = step.due(today);
    // Unscoped on purpose (see the file comment): this select is the only cross-tenant read.
    const em = this.options.orm.em.fork();
    return em.transactional(async (tx) => {
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
          await this.options.mandates.applyExternal(scoped, row.id, step.action, step.change(today), processorActor);
          done++;
        } catch (error) {
          failed++;
          this.options.logger.warn({ err: error, mandate_id: row.id, action: step.action }, "Bacs processing could not change a mandate");
        }
      }
      return { claimed: rows.length, done, failed };
    });
  }
}
