/**
 * Advance notice: each organisation's notice period in working days (10 by the Direct Debit
 * Guarantee, 3 at least) and who sends payers their notices; each schedule and collection the date
 * of the notice that announced it. Existing schedules and collections take their creation's London
 * date: the charge dates they were given then counted the notice from that day. Columns on existing
 * tables, so their row-level security policies and grants cover them; the backfill names its
 * purpose in `dd.cross_tenant` (migrations run as the owner under FORCE ROW LEVEL SECURITY).
 */
import { Migration } from "@mikro-orm/migrations";

export class Migration20261207070000_advance_notice extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "organisation" add column "advance_notice_working_days" int not null default 10, add column "payer_notices_by" text check ("payer_notices_by" in ('SERVICE', 'ORGANISATION')) not null default 'SERVICE';`,
    );
    this.addSql(`alter table "collection_schedule" add column "notice_date" varchar(10) null;`);
    this.addSql(`alter table "collection" add column "notice_date" varchar(10) null;`);
    this.addSql(`select set_config('dd.cross_tenant', 'migration: advance notice dates', true);`);
    for (const table of ["collection_schedule", "collection"]) {
      this.addSql(
        `update "${table}" set "notice_date" = to_char("create_time" at time zone 'Europe/London', 'YYYY-MM-DD');`,
      );
      this.addSql(`alter table "${table}" alter column "notice_date" set not null;`);
    }
    this.addSql(`select set_config('dd.cross_tenant', '', true);`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "collection" drop column "notice_date";`);
    this.addSql(`alter table "collection_schedule" drop column "notice_date";`);
    this.addSql(
      `alter table "organisation" drop column "advance_notice_working_days", drop column "payer_notices_by";`,
    );
  }
}
