/**
 * Payer notices go through an outbox: each is stored in the transaction of the change it reports
 * and sent once that commits (payer-email.entity.ts). A tenant table like the others: row-level
 * security with the same policy, covered by the runtime role's grants (granted after migrations).
 */
import { Migration } from "@mikro-orm/migrations";

const organisationSetting = `nullif(current_setting('dd.organisation_id', true), '')`;
const crossTenant = `coalesce(current_setting('dd.cross_tenant', true), '') <> ''`;

export class Migration20261207134000_payer_email_outbox extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "payer_email" ("id" varchar(28) not null, "organisation_id" varchar(28) not null, "recipient" varchar(254) not null, "subject" varchar(300) not null, "text" text not null, "html" text null, "state" text check ("state" in ('PENDING', 'SENT', 'FAILED')) not null, "attempts" int not null default 0, "next_attempt_time" timestamptz not null, "last_error" varchar(500) null, "create_time" timestamptz not null, "sent_time" timestamptz null, constraint "payer_email_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "payer_email_organisation_id_id_index" on "payer_email" ("organisation_id", "id");`);
    this.addSql(
      `create index "payer_email_state_next_attempt_time_index" on "payer_email" ("state", "next_attempt_time");`,
    );
    this.addSql(
      `alter table "payer_email" add constraint "payer_email_organisation_id_foreign" foreign key ("organisation_id") references "organisation" ("id") on update cascade;`,
    );
    this.addSql(`alter table "payer_email" enable row level security;`);
    this.addSql(`alter table "payer_email" force row level security;`);
    const visible = `("organisation_id" = ${organisationSetting} or ${crossTenant})`;
    this.addSql(`create policy "tenant_isolation" on "payer_email" using ${visible} with check ${visible};`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "payer_email" cascade;`);
  }
}
