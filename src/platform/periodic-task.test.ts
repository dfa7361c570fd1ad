import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { PeriodicTask } from "./periodic-task.js";

/** deferred is a promise settled from outside, to hold a run open. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("PeriodicTask", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("ticks every interval between start and stop, however often start is called", async () => {
    const tick = vi.fn(async () => undefined);
    const task = new PeriodicTask(1_000, tick);
    task.start();
    task.start();
    await vi.advanceTimersByTimeAsync(3_500);
    expect(tick).toHaveBeenCalledTimes(3);
    await task.stop();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(tick).toHaveBeenCalledTimes(3);
  });

  it("joins a run under way instead of starting another, and runs again once it is over", async () => {
    const task = new PeriodicTask<number>(1_000, async () => undefined);
    const first = deferred<number>();
    const run = vi.fn(() => first.promise);
    const a = task.join(run);
    const b = task.join(() => Promise.resolve(2));
    first.resolve(1);
    expect(await a).toBe(1);
    expect(await b).toBe(1);
    expect(run).toHaveBeenCalledTimes(1);
    expect(await task.join(() => Promise.resolve(3))).toBe(3);
  });

  it("stop waits for the run in progress and does not pass on its failure", async () => {
    const task = new PeriodicTask<number>(1_000, async () => undefined);
    const held = deferred<number>();
    const run = task.join(() => held.promise);
    run.catch(() => undefined);
    let stopped = false;
    const stopping = task.stop().then(() => {
      stopped = true;
    });
    await Promise.resolve();
    expect(stopped).toBe(false);
    held.reject(new Error("run failed"));
    await stopping;
    expect(stopped).toBe(true);
    await expect(run).rejects.toThrow("run failed");
  });
});
