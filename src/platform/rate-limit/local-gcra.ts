/**
 * local-gcra.ts keeps GCRA state in process: the limiter's store when there is no Redis (one
 * replica), and its fallback when Redis is slow or down (then each replica holds its share).
 */
import { type Decision, decide, type Limit } from "./gcra.js";

/**
 * LocalGcra is a Map from key to TAT, pruned of keys whose bucket has refilled and capped at maxKeys.
 * Keys include client addresses (before authentication), so a flood of fresh ones must neither grow
 * it nor wipe it: over the cap the least recently charged keys go first, never the whole map (which
 * would hand every limited caller a fresh burst).
 */
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
    // Re-inserted so the Map's order is least recently charged first, the order eviction takes.
    this.tats.delete(key);
    this.tats.set(key, tat);
    return decision;
  }

  /**
   * remember records what the shared store said of a key (its bucket is full again in resetMs), so
   * a fallback to this store continues from there instead of granting a fresh burst.
   */
  remember(key: string, resetMs: number): void {
    if (this.tats.size >= this.maxKeys) this.prune(this.now());
    this.tats.delete(key);
    this.tats.set(key, this.now() + resetMs);
  }

  private prune(now: number): void {
    // A TAT in the past means a full bucket: the same as no entry.
    for (const [key, tat] of this.tats) if (tat <= now) this.tats.delete(key);
    // Down to 90 % so the scan above runs once per tenth of the cap, not on every new key.
    const target = Math.floor(this.maxKeys * 0.9);
    for (const key of this.tats.keys()) {
      if (this.tats.size <= target) break;
      this.tats.delete(key);
    }
  }

  /** Keys held (for tests of the bound). */
  get size(): number {
    return this.tats.size;
  }
}
