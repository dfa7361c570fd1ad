/**
 * Row-level security, the second wall behind the ORM's tenant filter: a row of a tenant table is seen
 * and written only in a transaction whose `dd.organisation_id` setting is the row's organisation, or
 * whose `dd.cross_tenant` setting names a purpose (acrossTenants in platform/db/tenant-session.ts).
 * FORCE applies the policies to the table owner too; only superusers and BYPASSRLS roles pass.
 *
 * References between tenant tables become composite, `(organisation_id, x_id) → (organisation_id, id)`,
 * so no bug can link a row to another organisation's row.
 */
import { Migration } from "@mikro-orm/migrations";

/** Every table holding one organisation's rows, by its organisation column. */
const tenantTables = [
  "audit_event",
  "api_key",
  "app_user",
  "session",
  "idempotency_record",
  "notification",
  "mandate",
  "mandate_invite",
  "collection_schedule",
  "collection",
  "alert_threshold",
  "alert",
] as const;

/** Tables other tenant tables point at: each gets a unique (organisation_id, id) to be pointed at. */
const referencedTables = ["app_user", "mandate", "collection_schedule", "collection", "alert_threshold"] as const;

/**
 * The single-column references that become composite: [table, column, referenced table, on delete].
 * `set null` names its column: nulling organisation_id too would break the row.
 */
const references = [
  ["session", "user_id", "app_user", ""],
  ["mandate_invite", "mandate_id", "mandate", ""],
  ["collection_schedule", "mandate_id", "mandate", ""],
  ["collection", "mandate_id", "mandate", ""],
  ["collection", "schedule_id", "collection_schedule", ` on delete set null ("schedule_id")`],
  ["alert", "threshold_id", "alert_threshold", ""],
  ["alert", "collection_id", "collection", ` on delete set null ("collection_id")`],
] as const;

const organisationSetting = `nullif(current_setting('dd.organisation_id', true), '')`;
const crossTenant = `coalesce(current_setting('dd.cross_tenant', true), '') <> ''`;

/** The old constraint's name, as MikroORM named it. */
function singleName(table: string, column: string): string {
  return `${table}_${column}_foreign`;
}

export class Migration20261206070000_row_level_security extends Migration {
  override async up(): Promise<void> {
    for (const table of referencedTables) {
      this.addSql(
        `alter table "${table}" add constraint "${table}_organisation_id_id_unique" unique ("organisation_id", "id");`,
      );
    }
    for (const [table, column, target, onDelete] of references) {
      this.addSql(`alter table "${table}" drop constraint "${singleName(table, column)}";`);
      this.addSql(
        `alter table "${table}" add constraint "${table}_organisation_id_${column}_foreign" foreign key ("organisation_id", "${column}") references "${target}" ("organisation_id", "id")${onDelete};`,
      );
    }
    for (const table of tenantTables) {
      this.addSql(`alter table "${table}" enable row level security;`);
      this.addSql(`alter table "${table}" force row level security;`);
      const visible = `("organisation_id" = ${organisationSetting} or ${crossTenant})`;
      this.addSql(`create policy "tenant_isolation" on "${table}" using ${visible} with check ${visible};`);
    }
    this.addSql(`alter table "organisation" enable row level security;`);
    this.addSql(`alter table "organisation" force row level security;`);
    const ownOrganisation = `("id" = ${organisationSetting} or ${crossTenant})`;
    this.addSql(
      `create policy "tenant_isolation" on "organisation" using ${ownOrganisation} with check ${ownOrganisation};`,
    );
  }

  override async down(): Promise<void> {
    for (const table of ["organisation", ...tenantTables]) {
      this.addSql(`drop policy "tenant_isolation" on "${table}";`);
      this.addSql(`alter table "${table}" no force row level security;`);
      this.addSql(`alter table "${table}" disable row level security;`);
    }
    for (const [table, column, target, onDelete] of references) {
      this.addSql(`alter table "${table}" drop constraint "${table}_organisation_id_${column}_foreign";`);
      this.addSql(
        `alter table "${table}" add constraint "${singleName(table, column)}" foreign key ("${column}") references "${target}" ("id") on update cascade${onDelete === "" ? "" : " on delete set null"};`,
      );
    }
    for (const table of referencedTables) {
      this.addSql(`alter table "${table}" drop constraint "${table}_organisation_id_id_unique";`);
    }
  }
}
