/**
 * idempotency-sweeper.ts deletes expired idempotency records in the background of every replica, so
 * the table holds about one day of keys. Work per run is bounded (maxBatches × batchSize rows), so a
 * backlog is worked off over several runs instead of one long statement; replicas sweeping at the
 * same time skip each other's rows (SKIP LOCKED). An expired record that is still there does no
 * harm: claim() treats it as absent.
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
  /** Statements per run at most; default 10. */
  maxBatches?: number;
}

/** IdempotencySweeper runs IdempotencyService.sweep on a timer; start() once, stop() on shutdown. */
export class IdempotencySweeper {
  private readonly task: PeriodicTask<number>;

  constructor(private readonly options: IdempotencySweeperOptions) {
    this.task = new PeriodicTask(options.intervalMs ?? 5 * 60_000, () => this.runOnce());
  }

  /** start sweeps every intervalMs until stop(). */
  start(): void {
    this.task.start();
  }

  /** runOnce sweeps up to maxBatches batches and returns how many records it deleted (0 on error, logged). */
  runOnce(): Promise<number> {
    return this.task.join(() => this.sweep());
  }

  /** stop ends the timer and waits for a run in progress. */
  stop(): Promise<void> {
    return this.task.stop();
  }

  private async sweep(): Promise<number> {
    const { idempotency, logger, batchSize = 1000, maxBatches = 10 } = this.options;
    let deleted = 0;
    try {
      for (let batch = 0; batch < maxBatches; batch++) {
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
