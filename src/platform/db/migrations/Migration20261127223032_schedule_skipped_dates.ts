/** Schedule dates skipped so that one schedule never charges twice on one day (skipsInto). */
import { Migration } from "@mikro-orm/migrations";

export class Migration20261127223032_schedule_skipped_dates extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "collection_schedule" add column "skipped_date_count" int not null default 0;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "collection_schedule" drop column "skipped_date_count";`);
  }
}
