/**
 * An advance notice's email names the collection or schedule it announces, so that Bacs submission
 * can wait until the payer has been sent it (collection-steps.ts), and a later notice of the same
 * collection can withdraw one not sent yet. Emails queued before name nothing, so the collections
 * they announced are submitted as before, unchecked.
 */
import { Migration } from "@mikro-orm/migrations";

export class Migration20261207193000_payer_email_announces extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "payer_email" add column "announces" varchar(28) null;`);
    this.addSql(`create index "payer_email_announces_index" on "payer_email" ("announces");`);
    this.addSql(`alter table "payer_email" drop constraint "payer_email_state_check";`);
    this.addSql(
      `alter table "payer_email" add constraint "payer_email_state_check" check ("state" in ('PENDING', 'SENT', 'FAILED', 'WITHDRAWN'));`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`delete from "payer_email" where "state" = 'WITHDRAWN';`);
    this.addSql(`alter table "payer_email" drop constraint "payer_email_state_check";`);
    this.addSql(
      `alter table "payer_email" add constraint "payer_email_state_check" check ("state" in ('PENDING', 'SENT', 'FAILED'));`,
    );
    this.addSql(`drop index "payer_email_announces_index";`);
    this.addSql(`alter table "payer_email" drop column "announces";`);
  }
}
