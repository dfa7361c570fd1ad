import { join } from "node:path";
import { type EntitySchema, MikroORM } from "@mikro-orm/postgresql";
import type { Logger } from "pino";
import { startEmbeddedPostgres } from "./embedded-postgres.js";
import { createOrmConfig } from "./orm-config.js";

/** OpenDatabaseOptions choose real PostgreSQL (`databaseUrl`) or the embedded default (`dataDir`). */
export interface OpenDatabaseOptions {
  /** Real PostgreSQL; when absent, embedded PostgreSQL is started under `dataDir`. */
  databaseUrl?: string | undefined;
  /** Local state directory, e.g. `.data`; the embedded database lives in `<dataDir>/pg`. */
  dataDir: string;
  logger: Logger;
  /** Every entity of the service (src/entities.ts). */
  entities: readonly EntitySchema[];
  /** Pool size for real PostgreSQL (default 10). Ignored for embedded, which needs exactly one. */
  poolMax?: number | undefined;
}

/** Database is an open, fully migrated database. */
export interface Database {
  orm: MikroORM;
  backend: "postgres" | "embedded";
  /** Names of the migrations this open applied, oldest first; empty when the schema was current. */
  migrationsApplied: string[];
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
  const embedded = options.databaseUrl
    ? undefined
    : await startEmbeddedPostgres({ dataDir: join(options.dataDir, "pg"), logger });
  let orm: MikroORM | undefined;
  try {
    orm = await MikroORM.init(
      createOrmConfig({
        clientUrl: embedded?.url ?? options.databaseUrl ?? "",
        // PGlite serves one connection; with more, a query outside an open transaction deadlocks behind it.
        pool: embedded ? { min: 1, max: 1 } : { min: 0, max: options.poolMax ?? 10 },
        logger,
        entities: options.entities,
      }),
    );
    const applied = await orm.getMigrator().up();
    const opened = orm;
    return {
      orm: opened,
      backend: embedded ? "embedded" : "postgres",
      migrationsApplied: applied.map((m) => m.name),
      close: async () => {
        try {
          await opened.close(true);
        } finally {
          await embedded?.close();
        }
      },
    };
  } catch (err) {
    await orm?.close(true).catch(() => undefined);
    await embedded?.close().catch(() => undefined);
    throw err;
  }
}
