/**
 * Alerts: thresholds and alerts; notification resource columns (backfilled from the rows' resources)
 * for ListNotifications; the indexes alert windows, clawbacks and reports read through (the charge
 * date index of collections now covers state and amount).
 */
import { Migration } from "@mikro-orm/migrations";

export class Migration20261127212719_alerts extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "alert_threshold" ("id" varchar(28) not null, "organisation_id" varchar(28) not null, "type" text check ("type" in ('COLLECTION_FAILURE_RATE', 'CLAWBACKS', 'MANDATE_CANCELLATIONS', 'COLLECTION_FAILED')) not null, "enabled" boolean not null, "failure_rate_percent" double precision not null, "min_sample_size" int not null, "count" int not null, "window_seconds" int not null, "min_amount_minor" bigint not null, "update_time" timestamptz not null, "updated_by" varchar(28) null, constraint "alert_threshold_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "alert_threshold" add constraint "alert_threshold_organisation_id_type_unique" unique ("organisation_id", "type");`,
    );

    this.addSql(
      `create table "alert" ("id" varchar(28) not null, "organisation_id" varchar(28) not null, "type" text check ("type" in ('COLLECTION_FAILURE_RATE', 'CLAWBACKS', 'MANDATE_CANCELLATIONS', 'COLLECTION_FAILED')) not null, "state" text check ("state" in ('OPEN', 'ACKNOWLEDGED', 'RESOLVED')) not null, "threshold_id" varchar(28) not null, "message" varchar(1000) not null, "observed_value" double precision not null, "threshold_value" double precision not null, "window_start_time" timestamptz null, "window_end_time" timestamptz null, "collection_id" varchar(28) null, "create_time" timestamptz not null, "acknowledge_time" timestamptz null, "acknowledged_by" varchar(28) null, "acknowledge_note" varchar(500) null, "resolve_time" timestamptz null, "resolved_by" varchar(28) null, "resolve_note" varchar(500) null, "update_time" timestamptz not null, constraint "alert_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "alert_organisation_id_id_index" on "alert" ("organisation_id", "id");`);
    this.addSql(
      `create unique index "alert_open_per_threshold_unique" on "alert" ("threshold_id") where "state" <> 'RESOLVED' and "collection_id" is null;`,
    );
    this.addSql(
      `create unique index "alert_collection_unique" on "alert" ("collection_id") where "collection_id" is not null;`,
    );

    this.addSql(
      `alter table "alert_threshold" add constraint "alert_threshold_organisation_id_foreign" foreign key ("organisation_id") references "organisation" ("id") on update cascade;`,
    );

    this.addSql(
      `alter table "alert" add constraint "alert_organisation_id_foreign" foreign key ("organisation_id") references "organisation" ("id") on update cascade;`,
    );
    this.addSql(
      `alter table "alert" add constraint "alert_threshold_id_foreign" foreign key ("threshold_id") references "alert_threshold" ("id") on update cascade;`,
    );
    this.addSql(
      `alter table "alert" add constraint "alert_collection_id_foreign" foreign key ("collection_id") references "collection" ("id") on update cascade on delete set null;`,
    );

    this.addSql(
      `alter table "notification" add column "mandate_id" varchar(28) null, add column "collection_id" varchar(28) null, add column "alert_id" varchar(28) null;`,
    );
    this.addSql(`update "notification" set "mandate_id" = "resource_id" where "resource_type" = 'mandate';`);
    this.addSql(
      `update "notification" n set "collection_id" = c."id", "mandate_id" = c."mandate_id" from "collection" c where n."resource_type" = 'collection' and c."id" = n."resource_id";`,
    );
    this.addSql(
      `update "notification" n set "mandate_id" = s."mandate_id" from "collection_schedule" s where n."resource_type" = 'collection_schedule' and s."id" = n."resource_id";`,
    );
    this.addSql(
      `create index "notification_organisation_id_mandate_id_id_index" on "notification" ("organisation_id", "mandate_id", "id");`,
    );

    this.addSql(
      `create index "mandate_organisation_id_state_last_change_time_index" on "mandate" ("organisation_id", "state", "last_change_time");`,
    );

    this.addSql(
      `create index "collection_organisation_id_state_state_change_time_index" on "collection" ("organisation_id", "state", "state_change_time");`,
    );
    this.addSql(`drop index "collection_organisation_id_charge_date_id_index";`);
    this.addSql(
      `create index "collection_organisation_id_charge_date_id_index" on "collection" ("organisation_id", "charge_date", "id") include ("state", "amount_minor");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "alert" drop constraint "alert_threshold_id_foreign";`);

    this.addSql(`drop table if exists "alert_threshold" cascade;`);

    this.addSql(`drop table if exists "alert" cascade;`);

    this.addSql(`drop index "collection_organisation_id_charge_date_id_index";`);
    this.addSql(
      `create index "collection_organisation_id_charge_date_id_index" on "collection" ("organisation_id", "charge_date", "id");`,
    );
    this.addSql(`drop index "collection_organisation_id_state_state_change_time_index";`);

    this.addSql(`drop index "mandate_organisation_id_state_last_change_time_index";`);

    this.addSql(`drop index "notification_organisation_id_mandate_id_id_index";`);
    this.addSql(
      `alter table "notification" drop column "mandate_id", drop column "collection_id", drop column "alert_id";`,
    );
  }
}
