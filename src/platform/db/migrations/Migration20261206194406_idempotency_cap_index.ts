/**
 * An organisation's idempotency records by age, so that trimming its oldest answers beyond the cap
 * (IdempotencyService) reads an index range instead of the organisation's whole history.
 */
import { Migration } from "@mikro-orm/migrations";

export class Migration20261206194406_idempotency_cap_index extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create index "idempotency_record_organisation_id_create_time_id_index" on "idempotency_record" ("organisation_id", "create_time", "id");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "idempotency_record_organisation_id_create_time_id_index";`);
  }
}
