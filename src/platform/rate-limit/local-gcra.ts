/**
 * local-gcra.ts keeps GCRA state in process: the limiter's store when there is no Redis (one
 * replica), and its fallback when Redis is slow or down (then each replica holds its share).
 */
import { type Decision, decide, type Limit } from "./gcra.js";

/** LocalGcra is a Map from key to TAT, pruned of keys whose bucket has refilled. */
export class LocalGcra {
  private readonly tats = new Map<string, number>();

  constructor(
    private readonly now: () => number = () => performance.timeOrigin + performance.now(),
    private readonly maxKeys = 100_000,
  ) {}

  check(key: string, limit: Limit, cost = 1): Decision {
    const now = this.now();
    if (this.tats.size >= this.maxKeys) this.prune(now);
    const { decision, tat } = decide(this.tats.get(key), now, limit, cost);
    this.tats.set(key, tat);
    return decision;
  }

  /**
   * remember records what the shared store said of a key (its bucket is full again in resetMs), so
   * a fallback to this store continues from there instead of granting a fresh burst.
   */
  remember(key: string, resetMs: number): void {
    if (this.tats.size >= this.maxKeys) this.prune(this.now());
    this.tats.set(key, this.now() + resetMs);
  }

  private prune(now: number): void {
    // A TAT in the past means a full bucket: the same as no entry.
    for (const [key, tat] of this.tats) if (tat <= now) this.tats.delete(key);
    if (this.tats.size >= this.maxKeys) this.tats.clear();
  }
}
