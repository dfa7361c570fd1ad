/**
 * window-counter.ts counts events per key in fixed windows (sign-in attempts per email and per client
 * address). With Redis the count is shared by every replica; without, or when Redis fails, an
 * in-process twin counts for this replica alone rather than letting the caller through uncounted.
 */
import { withTimeout } from "../with-timeout.js";
import type { RedisClient } from "./client.js";

/** WindowCount is the count in the current window and when that window ends. */
export interface WindowCount {
  count: number;
  resetSeconds: number;
}

/** WindowCounter adds one to a key's count, or reads it. */
export interface WindowCounter {
  increment(key: string, windowSeconds: number): Promise<WindowCount>;
  peek(key: string): Promise<WindowCount>;
}

/**
 * createInProcessCounter keeps counts in a Map, pruned as windows end and capped at maxKeys: keys come
 * from clients (emails, addresses), so without a cap a flood of fresh ones would grow it for a whole
 * window. Over the cap the oldest windows go first (insertion order is opening order, so they are
 * the nearest to ending anyway); forgetting one lets its key start again from zero, the price of
 * bounded memory, which the per-address count ahead of the per-email one keeps small.
 */
export function createInProcessCounter(
  now: () => number = Date.now,
  maxKeys = 100_000,
): WindowCounter & { readonly size: number } {
  const counts = new Map<string, { count: number; resetAt: number }>();
  const current = (key: string) => {
    const entry = counts.get(key);
    if (entry && entry.resetAt <= now()) {
      counts.delete(key);
      return undefined;
    }
    return entry;
  };
  const view = (entry: { count: number; resetAt: number } | undefined): WindowCount =>
    entry
      ? { count: entry.count, resetSeconds: Math.max(1, Math.ceil((entry.resetAt - now()) / 1000)) }
      : { count: 0, resetSeconds: 0 };
  // From the front only, O(1) a key: a full scan for ended windows on every new key would hand a
  // flood of fresh keys a CPU lever instead.
  const evict = () => {
    for (const k of counts.keys()) {
      if (counts.size < maxKeys) break;
      counts.delete(k);
    }
  };
  return {
    /** Keys in memory (for tests of the bound). */
    get size() {
      return counts.size;
    },
    async increment(key, windowSeconds) {
      let entry = current(key);
      if (!entry) {
        if (counts.size >= maxKeys) evict();
        entry = { count: 0, resetAt: now() + windowSeconds * 1000 };
        counts.set(key, entry);
      }
      entry.count++;
      return view(entry);
    },
    async peek(key) {
      return view(current(key));
    },
  };
}

/** createRedisCounter counts with INCR and a TTL set when the window opens; falls back on error. */
export function createRedisCounter(
  client: RedisClient,
  prefix: string,
  fallback: WindowCounter,
  timeoutMs = 100,
): WindowCounter {
  const guarded = async <T>(redis: () => Promise<T>, local: () => Promise<T>): Promise<T> => {
    try {
      return await withTimeout(redis(), timeoutMs, "Redis");
    } catch {
      return local();
    }
  };
  return {
    increment: (key, windowSeconds) =>
      guarded(
        async () => {
          const [count, ttl] = (await client
            .multi()
            .incr(prefix + key)
            .expire(prefix + key, windowSeconds, "NX")
            .ttl(prefix + key)
            .exec()) as unknown as [number, number, number];
          return { count, resetSeconds: Math.max(1, ttl) };
        },
        () => fallback.increment(key, windowSeconds),
      ),
    peek: (key) =>
      guarded(
        async () => {
          const [count, ttl] = (await client
            .multi()
            .get(prefix + key)
            .ttl(prefix + key)
            .exec()) as unknown as [string | null, number];
          return { count: Number(count ?? 0), resetSeconds: Math.max(0, ttl) };
        },
        () => fallback.peek(key),
      ),
  };
}
