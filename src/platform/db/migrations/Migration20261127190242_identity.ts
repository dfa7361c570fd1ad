import { Migration } from "@mikro-orm/migrations";

export class Migration20261127190242_identity extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "api_key" ("id" varchar(28) not null, "organisation_id" varchar(28) not null, "name" varchar(100) not null, "scopes" text[] not null, "display_prefix" varchar(16) not null, "digest" varchar(64) not null, "created_by" varchar(100) not null, "create_time" timestamptz not null, "expire_time" timestamptz null, "revoke_time" timestamptz null, "revoked_by" varchar(100) null, "last_use_time" timestamptz null, "rotated_from" varchar(28) null, "replaced_by" varchar(28) null, constraint "api_key_pkey" primary key ("id"));`,
    );
    this.addSql(`alter table "api_key" add constraint "api_key_digest_unique" unique ("digest");`);
    this.addSql(
      `create index "api_key_organisation_id_create_time_index" on "api_key" ("organisation_id", "create_time");`,
    );

    this.addSql(
      `create table "app_user" ("id" varchar(28) not null, "organisation_id" varchar(28) not null, "email" varchar(254) not null, "display_name" varchar(200) not null default '', "password_hash" varchar(200) not null, "role" varchar(20) not null, "create_time" timestamptz not null, "update_time" timestamptz not null, constraint "app_user_pkey" primary key ("id"));`,
    );
    this.addSql(`alter table "app_user" add constraint "app_user_email_unique" unique ("email");`);

    this.addSql(
      `create table "session" ("id" varchar(28) not null, "organisation_id" varchar(28) not null, "user_id" varchar(28) not null, "token_digest" varchar(64) not null, "create_time" timestamptz not null, "expire_time" timestamptz not null, "idle_timeout_seconds" int not null, "last_seen_time" timestamptz not null, "revoke_time" timestamptz null, "client_address" varchar(64) null, constraint "session_pkey" primary key ("id"));`,
    );
    this.addSql(`alter table "session" add constraint "session_token_digest_unique" unique ("token_digest");`);

    this.addSql(
      `alter table "api_key" add constraint "api_key_organisation_id_foreign" foreign key ("organisation_id") references "organisation" ("id") on update cascade;`,
    );

    this.addSql(
      `alter table "app_user" add constraint "app_user_organisation_id_foreign" foreign key ("organisation_id") references "organisation" ("id") on update cascade;`,
    );

    this.addSql(
      `alter table "session" add constraint "session_organisation_id_foreign" foreign key ("organisation_id") references "organisation" ("id") on update cascade;`,
    );
    this.addSql(
      `alter table "session" add constraint "session_user_id_foreign" foreign key ("user_id") references "app_user" ("id") on update cascade;`,
    );

    this.addSql(`alter table "audit_event" add column "count" int not null default 1;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "session" drop constraint "session_user_id_foreign";`);

    this.addSql(`drop table if exists "api_key" cascade;`);

    this.addSql(`drop table if exists "app_user" cascade;`);

    this.addSql(`drop table if exists "session" cascade;`);

    this.addSql(`alter table "audit_event" drop column "count";`);
  }
}
