import { join } from "node:path";
import { MikroORM } from "@mikro-orm/postgresql";
import type { Logger } from "pino";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "./embedded-postgres.js";
import { createOrmConfig } from "./orm-config.js";

/** OpenDatabaseOptions choose real PostgreSQL (`databaseUrl`) or the embedded default (`dataDir`). */
export interface OpenDatabaseOptions {
  /** Real PostgreSQL; when absent, embedded PostgreSQL is started under `dataDir`. */
  databaseUrl?: string | undefined;
  /** Local state directory, e.g. `.data`; the embedded database lives in `<dataDir>/pg`. */
  dataDir: string;
  logger: Logger;
  /** Pool size for real PostgreSQL (default 10). Ignored for embedded, which needs exactly one. */
  poolMax?: number | undefined;
}

/** Database is an open, fully migrated database. */
export interface Database {
  orm: MikroORM;
  backend: "postgres" | "embedded";
  /** Closes the ORM's pool, then stops embedded PostgreSQL if it was started. */
  close(): Promise<void>;
}

/**
 * openDatabase connects MikroORM to `databaseUrl`, or with none starts embedded PostgreSQL (PGlite)
 * in `<dataDir>/pg` with a pool of exactly one connection, then applies pending migrations before
 * returning, so callers never see an out-of-date schema. If anything fails, whatever was started is
 * stopped before the error is rethrown.
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const { logger } = options;
  let embedded: EmbeddedPostgres | undefined;
  let orm: MikroORM | undefined;
  try {
    if (options.databaseUrl === undefined || options.databaseUrl === "") {
      embedded = await startEmbeddedPostgres({ dataDir: join(options.dataDir, "pg"), logger });
    }
    const config = createOrmConfig({
      clientUrl: embedded?.url ?? (options.databaseUrl as string),
      // PGlite serves one connection; a second would deadlock behind an open transaction.
      pool: embedded ? { min: 1, max: 1 } : { min: 0, max: options.poolMax ?? 10 },
      logger,
    });
    orm = await MikroORM.init(config);
    await orm.getMigrator().up();
  } catch (err) {
    await orm?.close(true).catch(() => undefined);
    await embedded?.close().catch(() => undefined);
    throw err;
  }
  const opened = orm;
  const server = embedded;
  return {
    orm: opened,
    backend: server ? "embedded" : "postgres",
    close: async () => {
      try {
        await opened.close(true);
      } finally {
        await server?.close();
      }
    },
  };
}
