/**
 * clock.ts is the one source of "now" for rules that depend on time (expiry, grace periods, Bacs
 * days), so tests can move time instead of waiting for it.
 */

/** Clock tells the current time. */
export interface Clock {
  now(): Date;
}

/** systemClock is the real time. */
export const systemClock: Clock = { now: () => new Date() };
