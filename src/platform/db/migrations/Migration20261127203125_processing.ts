/** Adds the indexes Bacs processing claims rows through: mandates by state, collections by mandate. */
import { Migration } from "@mikro-orm/migrations";

export class Migration20261127203125_processing extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create index "mandate_state_last_change_time_index" on "mandate" ("state", "last_change_time");`);

    this.addSql(
      `create index "collection_mandate_id_charge_date_index" on "collection" ("mandate_id", "charge_date");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "collection_mandate_id_charge_date_index";`);

    this.addSql(`drop index "mandate_state_last_change_time_index";`);
  }
}
