import { randomBytes } from "node:crypto";
import { knex } from "@mikro-orm/postgresql";

/** TestDatabase is a database made for one test run, its two roles, and the way to remove them. */
export interface TestDatabase {
  /** URL of the new database as its runtime role: no superuser, no BYPASSRLS, rows only. */
  url: string;
  /** URL of the same database as the role that owns it and runs migrations. */
  migrationUrl: string;
  /** URL of the same database as the server's superuser: for tests that inspect or plant rows past RLS. */
  adminUrl: string;
  /** The environment a service or ddctl process needs to use it: DATABASE_URL and MIGRATION_DATABASE_URL. */
  env: { DATABASE_URL: string; MIGRATION_DATABASE_URL: string };
  /** Disconnects everyone from the database, drops it and its roles. Safe to call twice. */
  drop(): Promise<void>;
}

const DEFAULT_SERVER_URL = "postgres://postgres@127.0.0.1:5432/postgres";

/**
 * createTestDatabase creates an empty database `dd_test_<random>` on the server `TEST_DATABASE_URL`
 * names (default local PostgreSQL, trust auth), owned by a role of its own that migrates it, plus a
 * runtime role the service serves as, as production does (docs/operations.md). Every test file thus
 * runs against real PostgreSQL with row-level security holding, without sharing state; call
 * `drop()` in `afterAll`.
 *
 * Uses knex as re-exported by @mikro-orm/postgresql: `pg` resolves but has no type declarations here.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.TEST_DATABASE_URL || DEFAULT_SERVER_URL;
  const name = `dd_test_${randomBytes(8).toString("hex")}`;
  const owner = `${name}_owner`;
  const runtime = `${name}_app`;
  // A password of their own, so the roles log in whether the server trusts local connections or not.
  const password = randomBytes(16).toString("hex");
  await withAdmin(serverUrl, async (admin) => {
    for (const role of [owner, runtime]) {
      await admin.raw(`create role ?? login password '${password}' nosuperuser nobypassrls nocreatedb nocreaterole`, [
        role,
      ]);
    }
    await admin.raw("create database ?? owner ??", [name, owner]);
  });
  const urlAs = (user: string | undefined) => {
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    if (user !== undefined) {
      url.username = user;
      url.password = password;
    }
    return url.toString();
  };
  const url = urlAs(runtime);
  const migrationUrl = urlAs(owner);
  let dropped = false;
  return {
    url,
    migrationUrl,
    adminUrl: urlAs(undefined),
    env: { DATABASE_URL: url, MIGRATION_DATABASE_URL: migrationUrl },
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await withAdmin(serverUrl, async (admin) => {
        // WITH (FORCE) terminates the database's remaining connections first (PostgreSQL 13+).
        await admin.raw("drop database if exists ?? with (force)", [name]);
        await admin.raw("drop role if exists ??", [runtime]);
        await admin.raw("drop role if exists ??", [owner]);
      });
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
