/**
 * User welcome: the single-use link an admin's CreateUser emails a new user, to set their first
 * password. Only the token's SHA-256 is stored (unique across organisations, so the public
 * CompleteWelcome finds it by digest alone), with its expiry; both are cleared when it is used.
 * Columns on an existing table, so its row-level security policy and grants cover them already.
 */
import { Migration } from "@mikro-orm/migrations";

export class Migration20261207020000_user_welcome extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "app_user" add column "welcome_token_digest" varchar(64) null, add column "welcome_expire_time" timestamptz null;`,
    );
    this.addSql(
      `alter table "app_user" add constraint "app_user_welcome_token_digest_unique" unique ("welcome_token_digest");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "app_user" drop constraint "app_user_welcome_token_digest_unique";`);
    this.addSql(`alter table "app_user" drop column "welcome_token_digest", drop column "welcome_expire_time";`);
  }
}
