import { fileURLToPath } from "node:url";
import { Migrator } from "@mikro-orm/migrations";
import { defineConfig, type Options, type PoolConfig } from "@mikro-orm/postgresql";
import type { Logger } from "pino";
import { Alert } from "../../modules/alerts/alert.entity.js";
import { AlertThreshold } from "../../modules/alerts/alert-threshold.entity.js";
import { Collection } from "../../modules/collections/collection.entity.js";
import { CollectionSchedule } from "../../modules/collections/collection-schedule.entity.js";
import { IdempotencyRecord } from "../../modules/idempotency/idempotency-record.entity.js";
import { ApiKey } from "../../modules/identity/api-key.entity.js";
import { AuditEvent } from "../../modules/identity/audit-event.entity.js";
import { Organisation } from "../../modules/identity/organisation.entity.js";
import { Session } from "../../modules/identity/session.entity.js";
import { User } from "../../modules/identity/user.entity.js";
import { Mandate } from "../../modules/mandates/mandate.entity.js";
import { MandateInvite } from "../../modules/mandates/mandate-invite.entity.js";
import { Notification } from "../../modules/notifications/notification.entity.js";
import { migrations } from "./migrations/index.js";
import { PinoOrmLogger } from "./orm-logger.js";
import { assertTenantFilter } from "./tenant-filter.js";

/** MIGRATIONS_DIR is where committed migrations live and where `createMigration` writes new ones. */
export const MIGRATIONS_DIR = fileURLToPath(new URL("./migrations", import.meta.url));

/** OrmConfigInput is what `createOrmConfig` needs: where the database is, how many connections, where to log. */
export interface OrmConfigInput {
  /** A `postgres://` URL, real PostgreSQL or the embedded server. */
  clientUrl: string;
  /** Connection pool bounds; the embedded server needs exactly `{ min: 1, max: 1 }`. */
  pool: Pick<PoolConfig, "min" | "max">;
  logger: Logger;
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
    entities: [
      Organisation,
      AuditEvent,
      User,
      Session,
      ApiKey,
      Mandate,
      MandateInvite,
      Notification,
      IdempotencyRecord,
      CollectionSchedule,
      Collection,
      AlertThreshold,
      Alert,
    ],
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
    allowGlobalContext: false,
    debug: false,
    colors: false,
    loggerFactory: () => new PinoOrmLogger(input.logger),
  });
}
