import { Migration } from "@mikro-orm/migrations";

export class Migration20261127200239_mandates extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "notification" ("id" varchar(28) not null, "organisation_id" varchar(28) not null, "type" varchar(100) not null, "resource_type" varchar(40) not null, "resource_id" varchar(28) not null, "reason_code" varchar(20) null, "message" varchar(1000) not null, "create_time" timestamptz not null, constraint "notification_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "notification_organisation_id_id_index" on "notification" ("organisation_id", "id");`);

    this.addSql(
      `create table "mandate" ("id" varchar(28) not null, "organisation_id" varchar(28) not null, "state" text check ("state" in ('PENDING_CUSTOMER_APPROVAL', 'PENDING_SUBMISSION', 'SUBMITTED', 'ACTIVE', 'SUSPENDED', 'CANCELLED', 'FAILED', 'EXPIRED')) not null, "reference" varchar(18) not null, "payer_name" varchar(140) not null, "payer_email" varchar(254) not null, "payer_email_normalised" varchar(254) not null, "account_holder_name" varchar(140) null, "sort_code" varchar(6) null, "account_number_ending" varchar(2) null, "account_number_ciphertext" varchar(200) null, "metadata" jsonb not null, "resubmission_count" int not null default 0, "invite_expire_time" timestamptz null, "last_change_previous_state" text check ("last_change_previous_state" in ('PENDING_CUSTOMER_APPROVAL', 'PENDING_SUBMISSION', 'SUBMITTED', 'ACTIVE', 'SUSPENDED', 'CANCELLED', 'FAILED', 'EXPIRED')) null, "last_change_cause" text check ("last_change_cause" in ('ORGANISATION', 'PAYER', 'PROCESSING', 'BACS_AUDDIS', 'BACS_ADDACS', 'EXPIRY', 'SANDBOX')) not null, "last_change_reason_code" varchar(20) null, "last_change_description" varchar(600) not null, "last_change_time" timestamptz not null, "create_time" timestamptz not null, "update_time" timestamptz not null, constraint "mandate_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "mandate_organisation_id_id_index" on "mandate" ("organisation_id", "id");`);
    this.addSql(
      `create index "mandate_organisation_id_payer_email_normalised_index" on "mandate" ("organisation_id", "payer_email_normalised");`,
    );
    this.addSql(
      `alter table "mandate" add constraint "mandate_organisation_id_reference_unique" unique ("organisation_id", "reference");`,
    );

    this.addSql(
      `create table "mandate_invite" ("id" varchar(28) not null, "organisation_id" varchar(28) not null, "mandate_id" varchar(28) not null, "token_digest" varchar(64) not null, "create_time" timestamptz not null, "expire_time" timestamptz not null, "use_time" timestamptz null, "supersede_time" timestamptz null, constraint "mandate_invite_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "mandate_invite" add constraint "mandate_invite_token_digest_unique" unique ("token_digest");`,
    );
    this.addSql(`create index "mandate_invite_mandate_id_index" on "mandate_invite" ("mandate_id");`);

    this.addSql(
      `alter table "notification" add constraint "notification_organisation_id_foreign" foreign key ("organisation_id") references "organisation" ("id") on update cascade;`,
    );

    this.addSql(
      `alter table "mandate" add constraint "mandate_organisation_id_foreign" foreign key ("organisation_id") references "organisation" ("id") on update cascade;`,
    );

    this.addSql(
      `alter table "mandate_invite" add constraint "mandate_invite_organisation_id_foreign" foreign key ("organisation_id") references "organisation" ("id") on update cascade;`,
    );
    this.addSql(
      `alter table "mandate_invite" add constraint "mandate_invite_mandate_id_foreign" foreign key ("mandate_id") references "mandate" ("id") on update cascade;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "mandate_invite" drop constraint "mandate_invite_mandate_id_foreign";`);

    this.addSql(`drop table if exists "notification" cascade;`);

    this.addSql(`drop table if exists "mandate" cascade;`);

    this.addSql(`drop table if exists "mandate_invite" cascade;`);
  }
}
