/**
 * A connection lost between BEGIN and the tenant settings (what a PostgreSQL restart or a network
 * cut does to some busy connections) must go back to the pool: begin() throws before it hands the
 * transaction out, so nobody else could end it, and a few outages would leave the pool empty for good.
 * The fault is injected by terminating the backend from the superuser side right after BEGIN.
 */
import { knex } from "@mikro-orm/postgresql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { entities } from "../src/entities.js";
import { type Database, openDatabase } from "../src/platform/db/database.js";
import { TenantSessionSubscriber, withTenant } from "../src/platform/db/tenant-session.js";
import { createLogger } from "../src/platform/observability/logger.js";
import { createTestDatabase, type TestDatabase } from "./support/test-database.js";

let testDatabase: TestDatabase;
let database: Database;
let admin: ReturnType<typeof knex>;
const poolMax = 3;

beforeAll(async () => {
  testDatabase = await createTestDatabase();
  admin = knex({ client: "pg", connection: testDatabase.adminUrl, pool: { min: 0, max: 1 } });
  database = await openDatabase({
    entities,
    databaseUrl: testDatabase.url,
    migrationUrl: testDatabase.migrationUrl,
    dataDir: "/nonexistent",
    logger: createLogger("silent"),
    poolMax,
  });
}, 120_000);

afterAll(async () => {
  await database?.close();
  await admin?.destroy();
  await testDatabase?.drop();
});

describe("a connection lost right after BEGIN", () => {
  it("fails that call and returns its connection to the pool", async () => {
    const original = TenantSessionSubscriber.prototype.afterTransactionStart;
    const pool = (database.orm.em.getConnection().getKnex().client as { pool: { numUsed(): number } }).pool;
    TenantSessionSubscriber.prototype.afterTransactionStart = async function (args) {
      const { pid } = await args.em
        .getConnection()
        .execute<{ pid: number }>("select pg_backend_pid() as pid", [], "get", args.transaction);
      await admin.raw("select pg_terminate_backend(?)", [pid]);
      return original.call(this, args);
    };
    try {
      for (let i = 0; i < poolMax + 1; i++) {
        await expect(withTenant(database.orm, "ORnone", (em) => em.execute("select 1"))).rejects.toThrow();
      }
    } finally {
      TenantSessionSubscriber.prototype.afterTransactionStart = original;
    }
    expect(pool.numUsed()).toBe(0);
    expect(await withTenant(database.orm, "ORnone", (em) => em.execute("select 1 as one"))).toEqual([{ one: 1 }]);
  });
});
