import { Migration } from "@mikro-orm/migrations";

export class Migration20261127202154_collections extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "collection_schedule" ("id" varchar(28) not null, "organisation_id" varchar(28) not null, "mandate_id" varchar(28) not null, "amount_minor" bigint not null, "currency" varchar(3) not null, "interval_unit" text check ("interval_unit" in ('WEEKLY', 'MONTHLY')) not null, "interval" int not null, "day_of_month" int not null, "start_date" varchar(10) not null, "end_date" varchar(10) null, "count" int null, "state" text check ("state" in ('ACTIVE', 'CANCELLED', 'FINISHED')) not null, "description" varchar(100) not null, "metadata" jsonb not null, "created_collection_count" int not null default 0, "next_nominal_date" varchar(10) null, "cancel_reason" varchar(600) null, "create_time" timestamptz not null, "update_time" timestamptz not null, constraint "collection_schedule_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "collection_schedule_organisation_id_id_index" on "collection_schedule" ("organisation_id", "id");`,
    );
    this.addSql(
      `create index "collection_schedule_organisation_id_mandate_id_index" on "collection_schedule" ("organisation_id", "mandate_id");`,
    );
    this.addSql(
      `create index "collection_schedule_state_next_nominal_date_index" on "collection_schedule" ("state", "next_nominal_date");`,
    );

    this.addSql(
      `create table "collection" ("id" varchar(28) not null, "organisation_id" varchar(28) not null, "mandate_id" varchar(28) not null, "schedule_id" varchar(28) null, "amount_minor" bigint not null, "currency" varchar(3) not null, "charge_date" varchar(10) not null, "state" text check ("state" in ('PENDING_SUBMISSION', 'SUBMITTED', 'CONFIRMED', 'PAID_OUT', 'FAILED', 'CHARGED_BACK', 'CANCELLED')) not null, "reason_code" varchar(20) null, "description" varchar(100) not null, "state_change_time" timestamptz not null, "paid_out_time" timestamptz null, "create_time" timestamptz not null, "update_time" timestamptz not null, constraint "collection_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "collection_organisation_id_id_index" on "collection" ("organisation_id", "id");`);
    this.addSql(
      `create index "collection_organisation_id_mandate_id_index" on "collection" ("organisation_id", "mandate_id");`,
    );
    this.addSql(
      `create index "collection_organisation_id_charge_date_id_index" on "collection" ("organisation_id", "charge_date", "id");`,
    );
    this.addSql(`create index "collection_state_charge_date_index" on "collection" ("state", "charge_date");`);
    this.addSql(`create index "collection_schedule_id_state_index" on "collection" ("schedule_id", "state");`);

    this.addSql(
      `alter table "collection_schedule" add constraint "collection_schedule_organisation_id_foreign" foreign key ("organisation_id") references "organisation" ("id") on update cascade;`,
    );
    this.addSql(
      `alter table "collection_schedule" add constraint "collection_schedule_mandate_id_foreign" foreign key ("mandate_id") references "mandate" ("id") on update cascade;`,
    );

    this.addSql(
      `alter table "collection" add constraint "collection_organisation_id_foreign" foreign key ("organisation_id") references "organisation" ("id") on update cascade;`,
    );
    this.addSql(
      `alter table "collection" add constraint "collection_mandate_id_foreign" foreign key ("mandate_id") references "mandate" ("id") on update cascade;`,
    );
    this.addSql(
      `alter table "collection" add constraint "collection_schedule_id_foreign" foreign key ("schedule_id") references "collection_schedule" ("id") on update cascade on delete set null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "collection" drop constraint "collection_schedule_id_foreign";`);

    this.addSql(`drop table if exists "collection_schedule" cascade;`);

    this.addSql(`drop table if exists "collection" cascade;`);
  }
}
