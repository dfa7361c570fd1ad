import { describe, expect, it } from "vitest";
import { retryDelayMs } from "./retry-schedule.js";

const minute = 60_000;
const hour = 60 * minute;

describe("retryDelayMs", () => {
  it("doubles from 1 minute to at most 12 hours, as docs/webhooks.md publishes", () => {
    const full = Array.from({ length: 12 }, (_, i) => retryDelayMs(i + 1, undefined, () => 0));
    expect(full).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 720, 720].map((m) => m * minute));
    expect(retryDelayMs(40, undefined, () => 0)).toBe(12 * hour);
  });

  it("takes up to a quarter off at random, never more", () => {
    expect(retryDelayMs(1, undefined, () => 0.999_999)).toBe(45_000);
    expect(retryDelayMs(3, undefined, () => 0.5)).toBe(3.5 * minute);
    for (let n = 1; n <= 20; n++) {
      const wait = retryDelayMs(n);
      const full = retryDelayMs(n, undefined, () => 0);
      expect(wait).toBeGreaterThanOrEqual(0.75 * full);
      expect(wait).toBeLessThanOrEqual(full);
    }
  });
});
