/**
 * A failed collection can now be presented again (RetryCollection) and fail again. "One alert per
 * failed collection" becomes "one unresolved alert per collection": a second failure while the
 * first one's alert is open adds nothing to do, and one after it was resolved raises a new alert
 * instead of breaking the unique index. Going down, a collection with two alerts keeps only its
 * first, as the old index allows.
 */
import { Migration } from "@mikro-orm/migrations";

export class Migration20261207133000_alert_per_presentation extends Migration {
  override async up(): Promise<void> {
    this.addSql(`drop index "alert_collection_unique";`);
    this.addSql(
      `create unique index "alert_collection_unique" on "alert" ("collection_id") where "collection_id" is not null and "state" <> 'RESOLVED';`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "alert_collection_unique";`);
    this.addSql(`select set_config('dd.cross_tenant', 'migration: one alert per failed collection', true);`);
    this.addSql(
      `delete from "alert" a using "alert" b where a."collection_id" = b."collection_id" and a."id" > b."id";`,
    );
    this.addSql(`select set_config('dd.cross_tenant', '', true);`);
    this.addSql(
      `create unique index "alert_collection_unique" on "alert" ("collection_id") where "collection_id" is not null;`,
    );
  }
}
