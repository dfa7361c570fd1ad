/**
 * periodic-task.ts is the timer loop of background jobs (the Bacs processor, the idempotency
 * sweeper): a tick every interval between start() and stop(), and runs that never overlap.
 */

/** PeriodicTask calls tick every intervalMs between start() and stop(); join keeps runs one at a time. */
export class PeriodicTask<T> {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<T> | undefined;

  /** tick must not reject: it logs its own failures, as nobody else is there to see them. */
  constructor(
    private readonly intervalMs: number,
    private readonly tick: () => Promise<unknown>,
  ) {}

  /** start ticks every intervalMs from now on; a second call changes nothing. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref(); // never keeps a process alive on its own
  }

  /** join starts run, unless a run is under way: then it returns that one instead. */
  join(run: () => Promise<T>): Promise<T> {
    this.running ??= run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** stop ends the ticks and waits for a run in progress, whatever its outcome. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }
}
