import { describe, expect, it } from "vitest";
import { LocalGcra } from "./local-gcra.js";

const limit = { perMinute: 1, burst: 1 };

describe("the in-process GCRA store", () => {
  it("holds at most maxKeys keys under a flood of fresh ones", () => {
    const store = new LocalGcra(() => 0, 1_000);
    for (let i = 0; i < 10_000; i++) store.check(`fa:198.51.${i >> 8}.${i & 255}`, limit);
    expect(store.size).toBeLessThanOrEqual(1_000);
  });

  it("keeps a recently charged key refused through a flood, rather than clearing every bucket", () => {
    const store = new LocalGcra(() => 0, 1_000);
    expect(store.check("fa:203.0.113.7", limit).allowed).toBe(true);
    for (let i = 0; i < 5_000; i++) {
      store.check(`fa:fresh-${i}`, limit);
      // The spent address keeps trying: it stays among the most recently charged.
      if (i % 100 === 0) expect(store.check("fa:203.0.113.7", limit).allowed).toBe(false);
    }
  });
});
