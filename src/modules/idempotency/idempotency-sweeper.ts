/**
 * idempotency-sweeper.ts deletes expired idempotency records in the background of every replica, so
 * the table holds about one day of keys. Work per run is bounded (maxBatches × batchSize rows), so a
 * backlog is worked off over several runs instead of one long statement; replicas sweeping at the
 * same time skip each other's rows (SKIP LOCKED). An expired record that is still there does no
 * harm: claim() treats it as absent.
 */
import type { Logger } from "../../platform/observability/logger.js";
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
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(private readonly options: IdempotencySweeperOptions) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.runOnce(), this.options.intervalMs ?? 5 * 60_000);
    this.timer.unref(); // never keeps a process alive on its own
  }

  /** runOnce sweeps up to maxBatches batches and returns how many records it deleted (0 on error, logged). */
  runOnce(): Promise<number> {
    this.running ??= this.sweep().finally(() => (this.running = undefined));
    return this.running;
  }

  /** stop ends the timer and waits for a run in progress. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
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
