/**
 * Bacs identity: each organisation's service user number (SUN) and the name payers see on their
 * statement and on the Instruction (modules/identity/bacs-identity.ts). Columns on an existing
 * table, so its row-level security policy and the runtime role's grants cover them already.
 *
 * Existing rows. No SUN: only the organisation's sponsor bank knows it, so it stays null until an
 * operator sets it (`ddctl org set-bacs`). The display name is the organisation's name upper-cased
 * where that name already fits the Bacs rules (1–18 characters of A–Z, 0–9, space and & - . /, a
 * letter or digit among them), else null. Upper-casing changes nothing payers would notice, as Bacs
 * prints upper case anyway; cutting or rewriting a longer name would be a guess, and a live
 * organisation's name must match what its sponsor bank registered under its SUN, so a guessed name
 * could show payers something their bank never sees. Null makes the gap visible instead: payers are
 * shown the organisation's name alone until the operator sets one. Sandbox rows follow the same
 * rule, which keeps this one statement; new sandbox organisations get a made-up name
 * (bacsDisplayNameFrom) because nothing depends on it.
 *
 * Migrations run as the owner under FORCE ROW LEVEL SECURITY: the update names its purpose in
 * `dd.cross_tenant`, or it would see no row, and clears it again, as every migration shares one
 * transaction.
 */
import { Migration } from "@mikro-orm/migrations";

export class Migration20261207053038_bacs_identity extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "organisation" add column "service_user_number" varchar(6) null, add column "bacs_display_name" varchar(18) null;`,
    );
    this.addSql(`select set_config('dd.cross_tenant', 'migration: bacs display names', true);`);
    // [A-Za-z] by code point: PostgreSQL's regular expressions do not widen ranges by collation.
    this.addSql(
      `update "organisation" set "bacs_display_name" = upper(btrim("name")) where btrim("name") ~ '^[A-Za-z0-9 &./-]{1,18}$' and btrim("name") ~ '[A-Za-z0-9]';`,
    );
    this.addSql(`select set_config('dd.cross_tenant', '', true);`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "organisation" drop column "service_user_number", drop column "bacs_display_name";`);
  }
}
