/**
 * test-clock.ts is a clock a test moves by hand, so expiry and grace periods are tested without
 * waiting for them.
 */
import { londonDate } from "../../src/modules/calendar/london-date.js";
import type { Clock } from "../../src/platform/clock.js";

/**
 * TestClock runs at the pace of real time, from 12:00 UTC (12:00 or 13:00 in London) of today's
 * London date, and moves forward by hand. Starting at midday rather than now means that "today",
 * in a test and in the server it drives, is the same date for the whole run, whenever it runs: a
 * file started at 23:59 would otherwise see the date change under it.
 */
export class TestClock implements Clock {
  private offsetMs = Date.parse(`${londonDate(new Date())}T12:00:00Z`) - Date.now();

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  /** advance moves time forward by ms. */
  advance(ms: number): void {
    this.offsetMs += ms;
  }

  /**
   * setDay moves the clock, forward or back, to `day` at 09:00 UTC (09:00 or 10:00 in London: the
   * same date) and returns that time.
   */
  setDay(day: string): Date {
    this.advance(Date.parse(`${day}T09:00:00Z`) - this.now().getTime());
    return this.now();
  }
}
