import type { MigrationObject } from "@mikro-orm/core";
import { Migration20261127185151_initial } from "./Migration20261127185151_initial.js";
import { Migration20261127190242_identity } from "./Migration20261127190242_identity.js";
import { Migration20261127200235_idempotency } from "./Migration20261127200235_idempotency.js";
import { Migration20261127200239_mandates } from "./Migration20261127200239_mandates.js";
import { Migration20261127202154_collections } from "./Migration20261127202154_collections.js";
import { Migration20261127203125_processing } from "./Migration20261127203125_processing.js";
import { Migration20261127212719_alerts } from "./Migration20261127212719_alerts.js";
import { Migration20261127222534_notification_type } from "./Migration20261127222534_notification_type.js";
import { Migration20261127223032_schedule_skipped_dates } from "./Migration20261127223032_schedule_skipped_dates.js";
import { Migration20261206070000_row_level_security } from "./Migration20261206070000_row_level_security.js";
import { Migration20261206194406_idempotency_cap_index } from "./Migration20261206194406_idempotency_cap_index.js";
import { Migration20261206200934_session_hardening } from "./Migration20261206200934_session_hardening.js";
import { Migration20261206225814_totp_lockout } from "./Migration20261206225814_totp_lockout.js";
import { Migration20261207020000_user_welcome } from "./Migration20261207020000_user_welcome.js";
import { Migration20261207053038_bacs_identity } from "./Migration20261207053038_bacs_identity.js";
import { Migration20261207060000_reusable_references } from "./Migration20261207060000_reusable_references.js";
import { Migration20261207070000_advance_notice } from "./Migration20261207070000_advance_notice.js";
import { Migration20261207130000_collections_drive } from "./Migration20261207130000_collections_drive.js";
import { Migration20261207133000_alert_per_presentation } from "./Migration20261207133000_alert_per_presentation.js";
import { Migration20261207134000_payer_email_outbox } from "./Migration20261207134000_payer_email_outbox.js";
import { Migration20261207193000_payer_email_announces } from "./Migration20261207193000_payer_email_announces.js";
import { Migration20261208010000_webhooks } from "./Migration20261208010000_webhooks.js";

/**
 * migrations lists every committed migration, oldest first; `orm-config.ts` hands it to the
 * Migrator as `migrationsList`.
 *
 * Why a list and not a folder glob: MikroORM would load each file with its own `import()`, which
 * bypasses tsx/vitest and cannot read `.ts` on plain Node 20. After `createMigration` writes a new
 * file here, add it to this list; the "schema matches the entities" test fails until you do.
 * Each `name` is the file name without extension, as MikroORM records it in `mikro_orm_migrations`.
 */
export const migrations: MigrationObject[] = [
  { name: "Migration20261127185151_initial", class: Migration20261127185151_initial },
  { name: "Migration20261127190242_identity", class: Migration20261127190242_identity },
  { name: "Migration20261127200235_idempotency", class: Migration20261127200235_idempotency },
  { name: "Migration20261127200239_mandates", class: Migration20261127200239_mandates },
  { name: "Migration20261127202154_collections", class: Migration20261127202154_collections },
  { name: "Migration20261127203125_processing", class: Migration20261127203125_processing },
  { name: "Migration20261127212719_alerts", class: Migration20261127212719_alerts },
  { name: "Migration20261127222534_notification_type", class: Migration20261127222534_notification_type },
  { name: "Migration20261127223032_schedule_skipped_dates", class: Migration20261127223032_schedule_skipped_dates },
  { name: "Migration20261206070000_row_level_security", class: Migration20261206070000_row_level_security },
  { name: "Migration20261206194406_idempotency_cap_index", class: Migration20261206194406_idempotency_cap_index },
  { name: "Migration20261206200934_session_hardening", class: Migration20261206200934_session_hardening },
  { name: "Migration20261206225814_totp_lockout", class: Migration20261206225814_totp_lockout },
  { name: "Migration20261207020000_user_welcome", class: Migration20261207020000_user_welcome },
  { name: "Migration20261207053038_bacs_identity", class: Migration20261207053038_bacs_identity },
  { name: "Migration20261207060000_reusable_references", class: Migration20261207060000_reusable_references },
  { name: "Migration20261207070000_advance_notice", class: Migration20261207070000_advance_notice },
  { name: "Migration20261207130000_collections_drive", class: Migration20261207130000_collections_drive },
  { name: "Migration20261207133000_alert_per_presentation", class: Migration20261207133000_alert_per_presentation },
  { name: "Migration20261207134000_payer_email_outbox", class: Migration20261207134000_payer_email_outbox },
  { name: "Migration20261207193000_payer_email_announces", class: Migration20261207193000_payer_email_announces },
  { name: "Migration20261208010000_webhooks", class: Migration20261208010000_webhooks },
];
