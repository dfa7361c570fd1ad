/**
 * Staff drive collections: a schedule can be PAUSED, and a failed collection presented again, so
 * each collection counts its retries and keeps the charge date of its first presentation (the
 * scheme allows a re-presentation within a month of it). Existing collections were presented
 * once, on their charge date. The backfill names its purpose in `dd.cross_tenant` (migrations run
 * as the owner under FORCE ROW LEVEL SECURITY).
 */
import { Migration } from "@mikro-orm/migrations";

export class Migration20261207130000_collections_drive extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "collection_schedule" drop constraint "collection_schedule_state_check";`);
    this.addSql(
      `alter table "collection_schedule" add constraint "collection_schedule_state_check" check ("state" in ('ACTIVE', 'CANCELLED', 'FINISHED', 'PAUSED'));`,
    );
    this.addSql(
      `alter table "collection" add column "original_charge_date" varchar(10) null, add column "retry_count" int not null default 0;`,
    );
    this.addSql(`select set_config('dd.cross_tenant', 'migration: original charge dates', true);`);
    this.addSql(`update "collection" set "original_charge_date" = "charge_date";`);
    this.addSql(`select set_config('dd.cross_tenant', '', true);`);
    this.addSql(`alter table "collection" alter column "original_charge_date" set not null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "collection" drop column "original_charge_date", drop column "retry_count";`);
    this.addSql(`select set_config('dd.cross_tenant', 'migration: paused schedules undone', true);`);
    this.addSql(`update "collection_schedule" set "state" = 'ACTIVE' where "state" = 'PAUSED';`);
    this.addSql(`select set_config('dd.cross_tenant', '', true);`);
    this.addSql(`alter table "collection_schedule" drop constraint "collection_schedule_state_check";`);
    this.addSql(
      `alter table "collection_schedule" add constraint "collection_schedule_state_check" check ("state" in ('ACTIVE', 'CANCELLED', 'FINISHED'));`,
    );
  }
}
