/**
 * Webhooks: endpoints (secrets sealed), events (the body sent, written once) and deliveries, three
 * tenant tables under the same row-level security policy as the others, deliveries pointing at their
 * endpoint and event through composite references (composite-references.ts). The notification feed
 * becomes the outbox webhooks publish from: new rows are flagged webhook_pending (rows already there
 * are history, not published). A new alert type reports endpoints disabled after failing for 3 days.
 */
import { Migration } from "@mikro-orm/migrations";
import {
  compositeKeyName,
  tenantUniqueName,
  webhookReferencedTables,
  webhookReferences,
} from "../composite-references.js";

const organisationSetting = `nullif(current_setting('dd.organisation_id', true), '')`;
const crossTenant = `coalesce(current_setting('dd.cross_tenant', true), '') <> ''`;
const tables = ["webhook_endpoint", "webhook_event", "webhook_delivery"] as const;
const alertTypes = (types: string[]) => types.map((t) => `'${t}'`).join(", ");
const typesBefore = ["COLLECTION_FAILURE_RATE", "CLAWBACKS", "MANDATE_CANCELLATIONS", "COLLECTION_FAILED"];
const typesAfter = [...typesBefore, "WEBHOOK_ENDPOINT_DISABLED"];

export class Migration20261208010000_webhooks extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "webhook_endpoint" ("id" varchar(28) not null, "organisation_id" varchar(28) not null, "url" varchar(2048) not null, "description" varchar(200) not null, "event_types" text[] not null, "state" text check ("state" in ('ENABLED', 'DISABLED')) not null, "secret" text not null, "previous_secret" text null, "previous_secret_expire_time" timestamptz null, "failing_since_time" timestamptz null, "create_time" timestamptz not null, "update_time" timestamptz not null, constraint "webhook_endpoint_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "webhook_endpoint_organisation_id_id_index" on "webhook_endpoint" ("organisation_id", "id");`,
    );
    this.addSql(
      `create table "webhook_event" ("id" varchar(28) not null, "organisation_id" varchar(28) not null, "type" varchar(100) not null, "body" text not null, "create_time" timestamptz not null, constraint "webhook_event_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "webhook_event_organisation_id_id_index" on "webhook_event" ("organisation_id", "id");`);
    this.addSql(
      `create table "webhook_delivery" ("id" varchar(28) not null, "organisation_id" varchar(28) not null, "endpoint_id" varchar(28) not null, "event_id" varchar(28) not null, "event_type" varchar(100) not null, "state" text check ("state" in ('PENDING', 'SUCCEEDED', 'FAILED')) not null, "attempts" int not null default 0, "next_attempt_time" timestamptz not null, "give_up_time" timestamptz not null, "last_attempt_time" timestamptz null, "last_http_status" int null, "last_error" varchar(500) null, "last_latency_ms" int null, "create_time" timestamptz not null, constraint "webhook_delivery_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "webhook_delivery_organisation_id_endpoint_id_id_index" on "webhook_delivery" ("organisation_id", "endpoint_id", "id");`,
    );
    this.addSql(
      `create index "webhook_delivery_state_next_attempt_time_index" on "webhook_delivery" ("state", "next_attempt_time");`,
    );
    for (const table of tables) {
      this.addSql(
        `alter table "${table}" add constraint "${table}_organisation_id_foreign" foreign key ("organisation_id") references "organisation" ("id") on update cascade;`,
      );
    }
    for (const table of webhookReferencedTables) {
      this.addSql(
        `alter table "${table}" add constraint "${tenantUniqueName(table)}" unique ("organisation_id", "id");`,
      );
    }
    for (const [table, column, target, onDelete] of webhookReferences) {
      this.addSql(
        `alter table "${table}" add constraint "${compositeKeyName(table, column)}" foreign key ("organisation_id", "${column}") references "${target}" ("organisation_id", "id")${onDelete};`,
      );
    }
    const visible = `("organisation_id" = ${organisationSetting} or ${crossTenant})`;
    for (const table of tables) {
      this.addSql(`alter table "${table}" enable row level security;`);
      this.addSql(`alter table "${table}" force row level security;`);
      this.addSql(`create policy "tenant_isolation" on "${table}" using ${visible} with check ${visible};`);
    }
    this.addSql(`alter table "notification" add column "webhook_pending" boolean not null default false;`);
    this.addSql(`create index "notification_webhook_pending_index" on "notification" ("id") where "webhook_pending";`);
    for (const table of ["alert_threshold", "alert"]) {
      this.addSql(`alter table "${table}" drop constraint if exists "${table}_type_check";`);
      this.addSql(
        `alter table "${table}" add constraint "${table}_type_check" check("type" in (${alertTypes(typesAfter)}));`,
      );
    }
  }

  override async down(): Promise<void> {
    for (const table of [...tables].reverse()) this.addSql(`drop table if exists "${table}" cascade;`);
    this.addSql(`drop index "notification_webhook_pending_index";`);
    this.addSql(`alter table "notification" drop column "webhook_pending";`);
    this.addSql(`delete from "alert" where "type" = 'WEBHOOK_ENDPOINT_DISABLED';`);
    this.addSql(`delete from "alert_threshold" where "type" = 'WEBHOOK_ENDPOINT_DISABLED';`);
    for (const table of ["alert_threshold", "alert"]) {
      this.addSql(`alter table "${table}" drop constraint if exists "${table}_type_check";`);
      this.addSql(
        `alter table "${table}" add constraint "${table}_type_check" check("type" in (${alertTypes(typesBefore)}));`,
      );
    }
  }
}
