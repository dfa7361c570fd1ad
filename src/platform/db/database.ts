import { join } from "node:path";
import { type EntitySchema, MikroORM } from "@mikro-orm/postgresql";
import type { Logger } from "pino";
import { withTimeout } from "../with-timeout.js";
import { type DatabaseProbe, probeThroughPool, probeWithOwnConnection } from "./database-probe.js";
import { startEmbeddedPostgres } from "./embedded-postgres.js";
import { grantRuntimeAccess } from "./grant-runtime-access.js";
import { createOrmConfig, type DatabaseTimeouts } from "./orm-config.js";

/** OpenDatabaseOptions choose real PostgreSQL (`databaseUrl`) or the embedded default (`dataDir`). */
export interface OpenDatabaseOptions {
  /** Real PostgreSQL, as the runtime role; when absent, embedded PostgreSQL is started under `dataDir`. */
  databaseUrl?: string | undefined;
  /**
   * The schema owner: migrations run as it, then the runtime role (`databaseUrl`'s user) is granted
   * what serving needs (grant-runtime-access.ts). Without it, `databaseUrl` migrates the schema itself.
   */
  migrationUrl?: string | undefined;
  /** Local state directory, e.g. `.data`; the embedded database lives in `<dataDir>/pg`. */
  dataDir: string;
  logger: Logger;
  /** Every entity of the service (src/entities.ts). */
  entities: readonly EntitySchema[];
  /** Pool size for real PostgreSQL (default 10). Ignored for embedded, which needs exactly one. */
  poolMax?: number | undefined;
  /** Bounds on waiting for real PostgreSQL (defaultDatabaseTimeouts); the migrator is not bound. */
  timeouts?: DatabaseTimeouts | undefined;
}

/** defaultDatabaseTimeouts: a call fails within seconds when the database is away or stuck. */
export const defaultDatabaseTimeouts: DatabaseTimeouts = {
  acquireMs: 5_000,
  connectMs: 3_000,
  statementMs: 10_000,
  idleInTransactionMs: 60_000,
};

/** Longest wait for the pools to close at shutdown, ms. */
const closeTimeoutMs = 5_000;

/** Database is an open, fully migrated database. */
export interface Database {
  orm: MikroORM;
  backend: "postgres" | "embedded";
  /** Names of the migrations this open applied, oldest first; empty when the schema was current. */
  migrationsApplied: string[];
  /**
   * The runtime role is a superuser or has BYPASSRLS, so row-level security does not hold it: true
   * for the embedded default (one superuser); a production role must not be one (config decides).
   */
  bypassesRowLevelSecurity: boolean;
  /** Whether the database answers, for health checks (a connection of its own on real PostgreSQL). */
  probe: DatabaseProbe;
  /** Closes the ORM's pool and the probe's connection, then stops embedded PostgreSQL if it was started. */
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
        // PGlite serves one statement at a time in WebAssembly, where the server's timers do not run.
        timeouts: embedded ? undefined : (options.timeouts ?? defaultDatabaseTimeouts),
        logger,
        entities: options.entities,
      }),
    );
    const role = await runtimeRole(orm);
    const applied =
      options.migrationUrl && !embedded
        ? await migrateAsOwner(options.migrationUrl, role.name, options)
        : await orm.getMigrator().up();
    const opened = orm;
    const probe = embedded ? probeThroughPool(opened) : probeWithOwnConnection(options.databaseUrl ?? "");
    return {
      orm: opened,
      backend: embedded ? "embedded" : "postgres",
      migrationsApplied: applied.map((m) => m.name),
      bypassesRowLevelSecurity: role.bypassesRowLevelSecurity,
      probe,
      close: async () => {
        try {
          // A connection that died with the database can keep node-postgres waiting for an end
          // that never comes; shutting down must not wait on it.
          await withTimeout(
            Promise.all([probe.close(), opened.close(true)]),
            closeTimeoutMs,
            "PostgreSQL pool shutdown",
          ).catch((error: unknown) => logger.warn({ err: error }, "database connections not closed cleanly"));
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

/** runtimeRole names the role the service's connections log in as, and whether RLS holds it. */
async function runtimeRole(orm: MikroORM): Promise<{ name: string; bypassesRowLevelSecurity: boolean }> {
  const [row] = await orm.em
    .fork()
    .execute<{ name: string; bypasses: boolean }[]>(
      "select current_user as name, (rolsuper or rolbypassrls) as bypasses from pg_roles where rolname = current_user",
    );
  if (!row) throw new Error("the database role of DATABASE_URL is not in pg_roles");
  return { name: row.name, bypassesRowLevelSecurity: row.bypasses };
}

/** migrateAsOwner applies pending migrations as the schema owner, then grants the runtime role its access. */
async function migrateAsOwner(
  migrationUrl: string,
  runtimeRoleName: string,
  options: OpenDatabaseOptions,
): Promise<{ name: string }[]> {
  const owner = await MikroORM.init(
    createOrmConfig({
      clientUrl: migrationUrl,
      pool: { min: 0, max: 1 },
      logger: options.logger,
      entities: options.entities,
    }),
  );
  try {
    // Replicas starting together would migrate and grant at once: PostgreSQL refuses concurrent
    // GRANTs on one object ("tuple concurrently updated"). One at a time, on the owner's only connection.
    await owner.em.getConnection().execute("select pg_advisory_lock(?)", [migrationLockKey]);
    const applied = await owner.getMigrator().up();
    await grantRuntimeAccess(owner.em.fork(), runtimeRoleName);
    await owner.em.getConnection().execute("select pg_advisory_unlock(?)", [migrationLockKey]);
    return applied;
  } finally {
    // Closing the connection also releases the lock if migrating failed.
    await owner.close(true);
  }
}

/** The advisory lock that makes migrations and grants one replica at a time ("dd-migrate"). */
const migrationLockKey = 0x64642d6d;
