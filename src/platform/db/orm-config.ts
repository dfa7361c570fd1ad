import { fileURLToPath } from "node:url";
import { Migrator } from "@mikro-orm/migrations";
import { defineConfig, type EntitySchema, type Options, type PoolConfig } from "@mikro-orm/postgresql";
import type { Logger } from "pino";
import { AfterCommitSubscriber } from "./after-commit.js";
import { migrations } from "./migrations/index.js";
import { PinoOrmLogger } from "./orm-logger.js";
import { assertTenantFilter } from "./tenant-filter.js";
import { TenantSessionSubscriber } from "./tenant-session.js";

/** MIGRATIONS_DIR is where committed migrations live and where `createMigration` writes new ones. */
export const MIGRATIONS_DIR = fileURLToPath(new URL("./migrations", import.meta.url));

/** OrmConfigInput is what `createOrmConfig` needs: where the database is, how many connections, where to log. */
export interface OrmConfigInput {
  /** A `postgres://` URL, real PostgreSQL or the embedded server. */
  clientUrl: string;
  /** Connection pool bounds; the embedded server needs exactly `{ min: 1, max: 1 }`. */
  pool: Pick<PoolConfig, "min" | "max">;
  /** Bounds on waiting for the database; unset waits as long as the driver does (migrations, tools). */
  timeouts?: DatabaseTimeouts | undefined;
  logger: Logger;
  /** Every entity of the service; the composition root lists them (src/entities.ts). */
  entities: readonly EntitySchema[];
}

/**
 * DatabaseTimeouts bound every wait on PostgreSQL, so that a database that is down or stuck makes
 * calls fail within seconds (UNAVAILABLE, DEADLINE_EXCEEDED) instead of queueing until clients give up.
 */
export interface DatabaseTimeouts {
  /** Longest wait for a pooled connection (all busy, or the server unreachable), ms. */
  acquireMs: number;
  /** Longest wait to open a connection, ms. */
  connectMs: number;
  /** Longest a statement may run (PostgreSQL's statement_timeout); reports raise it for themselves. */
  statementMs: number;
  /** Longest a transaction may sit idle (PostgreSQL's idle_in_transaction_session_timeout), ms. */
  idleInTransactionMs: number;
}

/**
 * createOrmConfig builds the MikroORM options for PostgreSQL: the entities, the tenant filter guard,
 * the Migrator with the committed migrations, and MikroORM's logger routed to pino.
 *
 * Why these settings: `allowGlobalContext: false` so `orm.em` cannot be queried directly (request
 * code must use a scoped fork); `debug: false` and a logger that never prints SQL or its values;
 * migrations run in one transaction, all or nothing, with foreign keys left on; `snapshot: false`
 * so running migrations never writes `.snapshot-*.json` into the source tree and `createMigration`
 * diffs against the live database.
 */
export function createOrmConfig(input: OrmConfigInput): Options {
  return defineConfig({
    clientUrl: input.clientUrl,
    entities: [...input.entities],
    discovery: { onMetadata: (meta) => assertTenantFilter(meta) },
    extensions: [Migrator],
    migrations: {
      tableName: "mikro_orm_migrations",
      path: MIGRATIONS_DIR,
      pathTs: MIGRATIONS_DIR,
      emit: "ts",
      migrationsList: migrations,
      transactional: true,
      allOrNothing: true,
      disableForeignKeys: false,
      snapshot: false,
    },
    pool: { ...input.pool },
    driverOptions: {
      log: driverLog(input.logger),
      ...(input.timeouts
        ? {
            acquireConnectionTimeout: input.timeouts.acquireMs,
            connection: {
              connectionTimeoutMillis: input.timeouts.connectMs,
              // Startup parameters of every connection (node-postgres): the server enforces them.
              statement_timeout: input.timeouts.statementMs,
              idle_in_transaction_session_timeout: input.timeouts.idleInTransactionMs,
            },
          }
        : {}),
    },
    allowGlobalContext: false,
    debug: false,
    colors: false,
    loggerFactory: () => new PinoOrmLogger(input.logger),
    // Sets each transaction's organisation for row-level security (tenant-session.ts); runs what
    // waits for a commit (after-commit.ts).
    subscribers: [new TenantSessionSubscriber(input.logger), new AfterCommitSubscriber(input.logger)],
  });
}

/**
 * driverLog takes knex's own messages ("Connection Error: <the failed statement> - read ECONNRESET")
 * off stdout and into the log, keeping only their kind: the rest may quote SQL with its values.
 */
function driverLog(logger: Logger) {
  const kindOf = (message: unknown) => String(message).split(":")[0]?.slice(0, 60);
  return {
    warn: (message: unknown) => logger.warn({ driver_message: kindOf(message) }, "database driver warning"),
    error: (message: unknown) => logger.error({ driver_message: kindOf(message) }, "database driver error"),
    deprecate: () => undefined,
    debug: () => undefined,
  };
}
