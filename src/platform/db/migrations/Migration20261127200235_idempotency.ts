import { Migration } from "@mikro-orm/migrations";

export class Migration20261127200235_idempotency extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "idempotency_record" ("id" varchar(28) not null, "organisation_id" varchar(28) not null, "idempotency_key" varchar(255) not null, "method" varchar(200) not null, "request_hash" varchar(64) not null, "actor" varchar(100) not null, "state" varchar(20) not null, "lease_token" varchar(32) null, "response_body" bytea null, "error_code" int null, "error_message" text null, "error_details" jsonb null, "response_metadata" jsonb null, "create_time" timestamptz not null, "lease_time" timestamptz not null, "complete_time" timestamptz null, "expire_time" timestamptz not null, constraint "idempotency_record_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "idempotency_record_expire_time_index" on "idempotency_record" ("expire_time");`);
    this.addSql(
      `alter table "idempotency_record" add constraint "idempotency_record_organisation_id_idempotency_key_unique" unique ("organisation_id", "idempotency_key");`,
    );

    this.addSql(
      `alter table "idempotency_record" add constraint "idempotency_record_organisation_id_foreign" foreign key ("organisation_id") references "organisation" ("id") on update cascade;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "idempotency_record" cascade;`);
  }
}
