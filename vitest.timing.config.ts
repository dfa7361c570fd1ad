import { defineConfig } from "vitest/config";

/** The timing suite: one file at a time, nothing else running (see vitest.config.ts). */
export default defineConfig({
  test: {
    include: ["test/timing/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    reporters: process.env.CI ? ["default", "json"] : ["default"],
    outputFile: { json: ".test-results/timing.json" },
  },
});
