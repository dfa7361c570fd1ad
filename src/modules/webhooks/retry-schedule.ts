/**
 * retry-schedule.ts is when a failed delivery is tried again (published in docs/webhooks.md): after
 * the n-th failed attempt, wait base × 2^(n−1) (base 1 minute: 1, 2, 4, 8 … minutes), at most 12
 * hours, less a random quarter at most, so that receivers coming back from an outage are not hit by
 * every replica's retries at once. A delivery still failing 3 days after it was created (or retried
 * by hand) fails; an endpoint whose every attempt failed for 3 days is disabled.
 */

/** deliveryWindowMs is how long a delivery is retried, and an endpoint may fail, before giving up: 3 days. */
export const deliveryWindowMs = 3 * 24 * 3_600_000;

const maxDelayMs = 12 * 3_600_000;

/** retryDelayMs is the wait after `failedAttempts` failures (≥ 1); `random` in [0, 1) draws the jitter. */
export function retryDelayMs(failedAttempts: number, baseMs = 60_000, random: () => number = Math.random): number {
  const full = Math.min(baseMs * 2 ** Math.min(failedAttempts - 1, 30), maxDelayMs);
  return Math.round(full * (1 - 0.25 * random()));
}
