/**
 * Reusable references: a closed mandate (CANCELLED, FAILED, EXPIRED) can no longer be reactivated;
 * collecting again needs the payer's fresh authority as a new mandate, and that new Instruction may
 * carry the old one's Bacs reference. So a reference is unique among the organisation's open mandates
 * only. Going down fails if two mandates of an organisation then share a reference.
 */
import { Migration } from "@mikro-orm/migrations";

export class Migration20261207060000_reusable_references extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "mandate" drop constraint "mandate_organisation_id_reference_unique";`);
    this.addSql(
      `create unique index "mandate_open_reference_unique" on "mandate" ("organisation_id", "reference") where "state" not in ('CANCELLED', 'FAILED', 'EXPIRED');`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "mandate_open_reference_unique";`);
    this.addSql(
      `alter table "mandate" add constraint "mandate_organisation_id_reference_unique" unique ("organisation_id", "reference");`,
    );
  }
}
