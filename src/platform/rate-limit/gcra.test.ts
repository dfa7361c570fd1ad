import { describe, expect, it } from "vitest";
import { decide, type Limit } from "./gcra.js";

const limit: Limit = { perMinute: 600, burst: 10 }; // one request every 100 ms, 10 ahead

describe("GCRA", () => {
  it("admits the burst at once, then refuses, saying when to come back", () => {
    let tat: number | undefined;
    const now = 1_000_000;
    const allowed: number[] = [];
    for (let i = 0; i < 12; i++) {
      const step = decide(tat, now, limit);
      tat = step.tat;
      if (step.decision.allowed) allowed.push(step.decision.remaining);
      else {
        expect(step.decision.retryAfterMs).toBeCloseTo(100, 6);
        expect(step.decision.remaining).toBe(0);
      }
    }
    expect(allowed).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
  });

  it("admits a caller that waits Retry-After", () => {
    let tat: number | undefined;
    const now = 0;
    for (let i = 0; i < 10; i++) tat = decide(tat, now, limit).tat;
    const refused = decide(tat, now, limit);
    expect(refused.decision.allowed).toBe(false);
    expect(decide(refused.tat, now + refused.decision.retryAfterMs, limit).decision.allowed).toBe(true);
  });

  it("admits B + rate × elapsed over time, whatever the request pattern", () => {
    let tat: number | undefined;
    let admitted = 0;
    // Hammer every millisecond for 10 s (both ends included).
    for (let now = 0; now <= 10_000; now++) {
      const step = decide(tat, now, limit);
      tat = step.tat;
      if (step.decision.allowed) admitted++;
    }
    expect(admitted).toBe(10 + 100); // burst + 600/min × 10 s
  });

  it("refills: a bucket left alone for the burst's time is full again", () => {
    let tat: number | undefined;
    for (let i = 0; i < 10; i++) tat = decide(tat, 0, limit).tat;
    const later = decide(tat, 1_000, limit);
    expect(later.decision.allowed).toBe(true);
    expect(later.decision.remaining).toBe(9);
  });
});
