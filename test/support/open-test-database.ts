/**
 * open-test-database.ts opens a fresh test database the way the service does: every entity, every
 * migration applied. For tests that use the ORM in process rather than through a server, and for
 * scripts that need a scratch database (scripts/create-migration.ts).
 */
import { entities } from "../../src/entities.js";
import { type Database, openDatabase } from "../../src/platform/db/database.js";
import { createLogger, type LogLevel } from "../../src/platform/observability/logger.js";
import { createTestDatabase, type TestDatabase } from "./test-database.js";

/** OpenTestDatabase is an open test database and the environment a service process needs to use it. */
export type OpenTestDatabase = Database & { env: TestDatabase["env"] };

/**
 * openTestDatabase creates an empty database (createTestDatabase) and opens it, migrated, logging
 * at `logLevel` (default silent), as the runtime role (row-level security holds it), as the owner
 * (for tests of the schema itself: migrating down, diffing against the entities), or as the
 * superuser (for tests of the ORM alone, with row-level security out of the way). `env` starts a
 * service process on the same database. Its `close()` also drops the database, so one
 * `afterAll(() => db?.close())` cleans up everything.
 */
export async function openTestDatabase(
  logLevel: LogLevel = "silent",
  as: "runtime" | "owner" | "superuser" = "runtime",
): Promise<OpenTestDatabase> {
  const testDatabase = await createTestDatabase();
  try {
    const database = await openDatabase({
      entities,
      // As the owner or the superuser, the database is opened the single-role way: one role migrates and serves.
      databaseUrl: { runtime: testDatabase.url, owner: testDatabase.migrationUrl, superuser: testDatabase.adminUrl }[
        as
      ],
      migrationUrl: as === "runtime" ? testDatabase.migrationUrl : undefined,
      // Unused: with a database URL no embedded PostgreSQL is started.
      dataDir: "/nonexistent",
      logger: createLogger(logLevel),
    });
    return {
      ...database,
      env: testDatabase.env,
      close: async () => {
        try {
          await database.close();
        } finally {
          await testDatabase.drop();
        }
      },
    };
  } catch (err) {
    await testDatabase.drop();
    throw err;
  }
}
