/**
 * open-test-database.ts opens a fresh test database the way the service does: every entity, every
 * migration applied. For tests that use the ORM in process rather than through a server, and for
 * scripts that need a scratch database (scripts/create-migration.ts).
 */
import { entities } from "../../src/entities.js";
import { type Database, openDatabase } from "../../src/platform/db/database.js";
import { createLogger, type LogLevel } from "../../src/platform/observability/logger.js";
import { createTestDatabase } from "./test-database.js";

/**
 * openTestDatabase creates an empty database (createTestDatabase) and opens it, migrated, logging
 * at `logLevel` (default silent). Its `close()` also drops the database, so one
 * `afterAll(() => db?.close())` cleans up everything.
 */
export async function openTestDatabase(logLevel: LogLevel = "silent"): Promise<Database> {
  const testDatabase = await createTestDatabase();
  try {
    const database = await openDatabase({
      entities,
      databaseUrl: testDatabase.url,
      migrationUrl: testDatabase.migrationUrl,
      // Unused: with a database URL no embedded PostgreSQL is started.
      dataDir: "/nonexistent",
      logger: createLogger(logLevel),
    });
    return {
      ...database,
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
