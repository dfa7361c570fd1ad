import { randomBytes } from "node:crypto";
import { knex } from "@mikro-orm/postgresql";

/** TestDatabase is a database made for one test run, and the way to remove it. */
export interface TestDatabase {
  /** URL of the new, empty database. */
  url: string;
  /** Disconnects everyone from the database and drops it. Safe to call twice. */
  drop(): Promise<void>;
}

const DEFAULT_SERVER_URL = "postgres://postgres@127.0.0.1:5432/postgres";

/**
 * createTestDatabase creates an empty database `dd_test_<random>` on the server `TEST_DATABASE_URL`
 * names (default local PostgreSQL, trust auth), so every test file runs against real PostgreSQL
 * without sharing state; call `drop()` in `afterAll`.
 *
 * Uses knex as re-exported by @mikro-orm/postgresql: `pg` resolves but has no type declarations here.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.TEST_DATABASE_URL || DEFAULT_SERVER_URL;
  const name = `dd_test_${randomBytes(8).toString("hex")}`;
  await withAdmin(serverUrl, (admin) => admin.raw("create database ??", [name]));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    drop: async () => {
      if (dropped) return;
      dropped = true;
      // WITH (FORCE) terminates the database's remaining connections first (PostgreSQL 13+).
      await withAdmin(serverUrl, (admin) => admin.raw("drop database if exists ?? with (force)", [name]));
    },
  };
}

async function withAdmin(serverUrl: string, work: (admin: ReturnType<typeof knex>) => Promise<unknown>): Promise<void> {
  const admin = knex({ client: "pg", connection: serverUrl, pool: { min: 0, max: 1 } });
  try {
    await work(admin);
  } finally {
    await admin.destroy();
  }
}
