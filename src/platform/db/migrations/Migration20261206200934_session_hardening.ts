/**
 * Session hardening: deactivated users, the TOTP second factor (its sealed secret, when it was
 * confirmed, the last time step used), and the organisation setting that requires it of admins.
 * Columns on existing tables, so their row-level security policies and grants cover them already.
 */
import { Migration } from "@mikro-orm/migrations";

export class Migration20261206200934_session_hardening extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "organisation" add column "require_admin_totp" boolean not null default false;`);
    this.addSql(
      `alter table "app_user" add column "deactivate_time" timestamptz null, add column "totp_secret" varchar(200) null, add column "totp_enable_time" timestamptz null, add column "totp_last_step" int null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(
      `alter table "app_user" drop column "deactivate_time", drop column "totp_secret", drop column "totp_enable_time", drop column "totp_last_step";`,
    );
    this.addSql(`alter table "organisation" drop column "require_admin_totp";`);
  }
}
