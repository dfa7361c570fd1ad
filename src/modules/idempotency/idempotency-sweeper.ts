/**
 * idempotency-sweeper.ts deletes expired idempotency records in the background of every replica, so
 * the table holds about one day of keys. Each run drains: it deletes batch after batch (short
 * statements, each its own transaction) until no expired record is left or the sweeper stops, so
 * deletion keeps up with any rate of expiry; replicas sweeping at the same time skip each other's
 * rows (SKIP LOCKED). An expired record that is still there does no harm: claim() treats it as absent.
 */
import type { Logger } from "../../platform/observability/logger.js";
import { PeriodicTask } from "../../platform/periodic-task.js";
import type { IdempotencyService } from "./idempotency.service.js";

export interface IdempotencySweeperOptions {
  idempotency: IdempotencyService;
  logger: Logger;
  /** Time between runs; default 5 minutes. */
  intervalMs?: number;
  /** Rows deleted per statement; default 1,000. */
  batchSize?: number;
}

/** IdempotencySweeper runs IdempotencyService.sweep on a timer; start() once, stop() on shutdown. */
export class IdempotencySweeper {
  private readonly task: PeriodicTask<number>;
  private stopping = false;

  constructor(private readonly options: IdempotencySweeperOptions) {
    this.task = new PeriodicTask(options.intervalMs ?? 5 * 60_000, () => this.runOnce());
  }

  /** start sweeps every intervalMs until stop(). */
  start(): void {
    this.stopping = false;
    this.task.start();
  }

  /** runOnce sweeps until nothing expired is left and returns how many records it deleted (logs errors). */
  runOnce(): Promise<number> {
    return this.task.join(() => this.sweep());
  }

  /** stop ends the timer and waits for a run in progress, which ends after its current batch. */
  stop(): Promise<void> {
    this.stopping = true;
    return this.task.stop();
  }

  private async sweep(): Promise<number> {
    const { idempotency, logger, batchSize = 1000 } = this.options;
    let deleted = 0;
    try {
      while (!this.stopping) {
        const count = await idempotency.sweep(batchSize);
        deleted += count;
        if (count < batchSize) break;
      }
    } catch (error) {
      logger.warn({ err: error }, "idempotency sweep failed; the next run retries");
    }
    if (deleted > 0) logger.info({ deleted }, "expired idempotency records deleted");
    return deleted;
  }
}
