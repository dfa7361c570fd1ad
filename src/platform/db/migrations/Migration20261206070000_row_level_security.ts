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
import {
  compositeKeyName,
  referencedTenantTables as referencedTables,
  compositeReferences as references,
  singleKeyName as singleName,
  tenantUniqueName,
} from "../composite-references.js";

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

const organisationSetting = `nullif(current_setting('dd.organisation_id', true), '')`;
const crossTenant = `coalesce(current_setting('dd.cross_tenant', true), '') <> ''`;

export class Migration20261206070000_row_level_security extends Migration {
  override async up(): Promise<void> {
    for (const table of referencedTables) {
      this.addSql(
        `alter table "${table}" add constraint "${tenantUniqueName(table)}" unique ("organisation_id", "id");`,
      );
    }
    for (const [table, column, target, onDelete] of references) {
      this.addSql(`alter table "${table}" drop constraint "${singleName(table, column)}";`);
      this.addSql(
        `alter table "${table}" add constraint "${compositeKeyName(table, column)}" foreign key ("organisation_id", "${column}") references "${target}" ("organisation_id", "id")${onDelete};`,
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
      this.addSql(`alter table "${table}" drop constraint "${compositeKeyName(table, column)}";`);
      this.addSql(
        `alter table "${table}" add constraint "${singleName(table, column)}" foreign key ("${column}") references "${target}" ("id") on update cascade${onDelete === "" ? "" : " on delete set null"};`,
      );
    }
    for (const table of referencedTables) {
      this.addSql(`alter table "${table}" drop constraint "${tenantUniqueName(table)}";`);
    }
  }
}
