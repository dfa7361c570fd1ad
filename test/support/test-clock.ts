/**
 * test-clock.ts is a clock a test moves by hand, so expiry and grace periods are tested without
 * waiting for them.
 */
import type { Clock } from "../../src/platform/clock.js";

export class TestClock implements Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  /** advance moves time forward by ms. */
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
