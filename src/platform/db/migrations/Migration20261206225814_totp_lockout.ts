/**
 * TOTP lockout: the count of wrong TOTP codes given in a row at sign-in, which locks the user's
 * sign-in at its limit until an operator clears it. A column on an existing table, so its row-level
 * security policy and the runtime role's grants (update on every table) cover it already.
 */
import { Migration } from "@mikro-orm/migrations";

export class Migration20261206225814_totp_lockout extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "app_user" add column "totp_failures" int not null default 0;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "app_user" drop column "totp_failures";`);
  }
}
