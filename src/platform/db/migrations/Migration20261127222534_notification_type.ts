/** Notifications by type: ListNotifications filtered by a rare type reads only its rows. */
import { Migration } from "@mikro-orm/migrations";

export class Migration20261127222534_notification_type extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create index "notification_organisation_id_type_id_index" on "notification" ("organisation_id", "type", "id");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "notification_organisation_id_type_id_index";`);
  }
}
