/**
 * migrate.ts is `npm run migrate`: it applies pending migrations to the database the service would
 * use — `DATABASE_URL`, or the embedded PostgreSQL under `DATA_DIR` (default `.data`) — prints each
 * migration it applied, and exits non-zero with one line on stderr if anything fails. The server
 * also migrates on start; this is for running it as a separate deploy step.
 */
import { pino } from "pino";
import { loadConfig } from "../config.js";
import { openDatabase } from "../platform/db/database.js";
import { createLogger } from "../platform/observability/logger.js";

async function main(): Promise<void> {
  const config = loadConfig();
  // Only warnings and errors from the ORM, on stderr; stdout carries the summary below.
  const logger = createLogger("warn", pino.destination(2));
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger });
  try {
    const where = db.backend === "embedded" ? `embedded PostgreSQL in ${config.dataDir}` : "PostgreSQL";
    if (db.migrationsApplied.length === 0) {
      console.log(`migrate: ${where} is up to date`);
    }
    for (const name of db.migrationsApplied) {
      console.log(`migrate: applied ${name} to ${where}`);
    }
  } finally {
    await db.close();
  }
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  console.error(`migrate: failed: ${message.split("\n")[0]}`);
  process.exitCode = 1;
});
