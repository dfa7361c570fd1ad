/**
 * An advance notice's email names the collection or schedule it announces, so that Bacs submission
 * can wait until the payer has been sent it (collection-steps.ts). Emails queued before name
 * nothing, so the collections they announced are submitted as before, unchecked.
 */
import { Migration } from "@mikro-orm/migrations";

export class Migration20261207193000_payer_email_announces extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "payer_email" add column "announces" varchar(28) null;`);
    this.addSql(`create index "payer_email_announces_index" on "payer_email" ("announces");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "payer_email_announces_index";`);
    this.addSql(`alter table "payer_email" drop column "announces";`);
  }
}
