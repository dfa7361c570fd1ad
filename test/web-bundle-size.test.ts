/**
 * What a phone downloads for the payer page, and the console's first load, held under issue #12's
 * budgets in gzipped JavaScript. Measured on the build `npm test` makes first (npm run build:web).
 */
import { describe, expect, it } from "vitest";
import { budgets, bundleSizes } from "../web/bundle-sizes.js";

describe("bundle sizes", () => {
  const sizes = bundleSizes();

  it(`keeps the payer page within ${budgets.payer / 1024} kB of gzipped JavaScript`, () => {
    expect(sizes.payer).toBeGreaterThan(10 * 1024); // a real build was measured, not an empty one
    expect(sizes.payer).toBeLessThanOrEqual(budgets.payer);
  });

  it(`keeps the console's first load within ${budgets.console / 1024} kB of gzipped JavaScript`, () => {
    expect(sizes.console).toBeGreaterThan(sizes.payer);
    expect(sizes.console).toBeLessThanOrEqual(budgets.console);
  });
});
