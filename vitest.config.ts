import { defineConfig } from "vitest/config";

/**
 * The main suite. Tests that measure time against a bound (fault injection, exactness under load)
 * live in test/timing and run afterwards, alone, with vitest.timing.config.ts: on a 2-core machine
 * other test files running beside them would make their figures noise.
 */
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    exclude: ["test/timing/**", "**/node_modules/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests start real servers and databases; two workers fit the 2-core machine.
    maxWorkers: 2,
    reporters: process.env.CI ? ["default", "json"] : ["default"],
    outputFile: { json: ".test-results/main.json" },
  },
});
