/**
 * Replicas that start together on one database (a deployment rolls out several at once) migrate and
 * grant one at a time: PostgreSQL refuses concurrent GRANTs on one object, which failed a replica's
 * start ("tuple concurrently updated", seen in CI).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { entities } from "../src/entities.js";
import { type Database, openDatabase } from "../src/platform/db/database.js";
import { createLogger } from "../src/platform/observability/logger.js";
import { createTestDatabase, type TestDatabase } from "./support/test-database.js";

let testDatabase: TestDatabase;
const opened: Database[] = [];
beforeAll(async () => (testDatabase = await createTestDatabase()));
afterAll(async () => {
  await Promise.all(opened.map((database) => database.close()));
  await testDatabase?.drop();
});

describe("replicas starting together", () => {
  it("all open the database: one migrates, every one grants, none fails", async () => {
    const open = () =>
      openDatabase({
        entities,
        databaseUrl: testDatabase.url,
        migrationUrl: testDatabase.migrationUrl,
        dataDir: "/nonexistent",
        logger: createLogger("silent"),
      });
    const results = await Promise.allSettled(Array.from({ length: 4 }, open));
    for (const result of results) if (result.status === "fulfilled") opened.push(result.value);
    expect(results.map((r) => (r.status === "rejected" ? String(r.reason) : "ok"))).toEqual(Array(4).fill("ok"));
    expect(opened.map((d) => d.migrationsApplied.length).sort((a, b) => b - a)[1]).toBe(0);
  }, 120_000);
});
