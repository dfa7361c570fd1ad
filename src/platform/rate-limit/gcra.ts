/**
 * gcra.ts is the Generic Cell Rate Algorithm, the arithmetic behind our rate limits. A limit of N
 * per minute with burst B admits one request every T = 60 s / N (the emission interval) and lets a
 * caller run up to B requests ahead of that pace (the tolerance, B × T). All state is one number per
 * key: the theoretical arrival time (TAT) of the next request. So a bucket admits B requests at once
 * and then N per minute, B + N × elapsed in all, with no spike at window edges as fixed windows have.
 * The Redis script (redis-gcra.ts) does the same sums inside Redis.
 */

/** Limit is a sustained rate and a burst. */
export interface Limit {
  perMinute: number;
  burst: number;
}

/** Decision is the outcome of one check, with what the response headers need. */
export interface Decision {
  allowed: boolean;
  /** Requests that could still be made at once after this one. */
  remaining: number;
  /** Milliseconds until the bucket is full again (nothing consumed). */
  resetMs: number;
  /** When refused: milliseconds until this request would be admitted; 0 when allowed. */
  retryAfterMs: number;
}

/** emissionMs is the time one request costs, in ms. */
export function emissionMs(limit: Limit): number {
  return 60_000 / limit.perMinute;
}

/** toleranceMs is how far ahead of the sustained pace a caller may run, in ms. */
export function toleranceMs(limit: Limit): number {
  return limit.burst * emissionMs(limit);
}

/**
 * decide returns the decision and the new TAT (unchanged when refused) for a request of `cost` at
 * `now`, given the stored TAT (undefined when the key is new or expired).
 */
export function decide(
  tat: number | undefined,
  now: number,
  limit: Limit,
  cost = 1,
): { decision: Decision; tat: number } {
  const emission = emissionMs(limit);
  return decideWith(tat, now, emission, toleranceMs(limit), cost);
}

/** decideWith is decide on precomputed emission and tolerance (what the Redis script returns too). */
export function decideWith(
  storedTat: number | undefined,
  now: number,
  emission: number,
  tolerance: number,
  cost: number,
): { decision: Decision; tat: number } {
  const tat = Math.max(storedTat ?? now, now);
  const newTat = tat + emission * cost;
  const ahead = newTat - now;
  if (ahead > tolerance) {
    return {
      decision: { allowed: false, remaining: 0, resetMs: tat - now, retryAfterMs: ahead - tolerance },
      tat,
    };
  }
  return {
    decision: { allowed: true, remaining: Math.floor((tolerance - ahead) / emission), resetMs: ahead, retryAfterMs: 0 },
    tat: newTat,
  };
}
