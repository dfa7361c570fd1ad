/**
 * repeated-log.ts keeps a warning that can repeat many times a second (one per request) from
 * flooding the log: the first occurrence is logged in full, the rest are counted and reported as one
 * summary line per interval. A quiet interval resets it, so the next occurrence is logged in full.
 */
import type { Logger } from "./logger.js";

type Level = "warn" | "error";

interface Run {
  key: string;
  level: Level;
  message: string;
  /** Occurrences since the last line written. */
  count: number;
  timer: NodeJS.Timeout;
}

/** RepeatedLog aggregates repeated lines by key (a fixed string per call site, never request data). */
export class RepeatedLog {
  private readonly runs = new Map<string, Run>();

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs = 60_000,
  ) {}

  /** log writes the line if it is the first of its key in this interval; otherwise counts it. */
  log(level: Level, key: string, fields: Record<string, unknown>, message: string): void {
    const run = this.runs.get(key);
    if (run) {
      run.count++;
      return;
    }
    this.logger[level](fields, message);
    const started: Run = {
      key,
      level,
      message,
      count: 0,
      timer: setInterval(() => {
        if (started.count === 0) {
          clearInterval(started.timer);
          this.runs.delete(key);
          return;
        }
        this.summarise(started);
      }, this.intervalMs),
    };
    started.timer.unref();
    this.runs.set(key, started);
  }

  /** close stops the timers, writing the counts not yet reported. */
  close(): void {
    for (const run of this.runs.values()) {
      clearInterval(run.timer);
      if (run.count > 0) this.summarise(run);
    }
    this.runs.clear();
  }

  private summarise(run: Run): void {
    const seconds = Math.round(this.intervalMs / 100) / 10;
    this.logger[run.level](
      { repeated: run.count, interval_ms: this.intervalMs, kind: run.key },
      `${run.message} (repeated ${run.count} times in the last ${seconds} s)`,
    );
    run.count = 0;
  }
}
