/**
 * grant-runtime-access.ts gives the runtime role what serving needs and nothing more. The schema
 * belongs to the migrator; the runtime role reads and writes rows (row-level security decides which)
 * but cannot change the schema, cannot alter or delete the audit trail, and cannot touch the record of
 * migrations. Run after every migration, as the owner, so new tables are covered too.
 */
import type { EntityManager } from "@mikro-orm/postgresql";

/** quoteIdentifier quotes a role name for SQL (roles come from configuration, not from callers). */
function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** grantRuntimeAccess grants `role` DML on the service's tables, minus what the audit trail forbids. */
export async function grantRuntimeAccess(owner: EntityManager, role: string): Promise<void> {
  const to = quoteIdentifier(role);
  await owner.transactional(async (em) => {
    for (const statement of [
      `grant usage on schema public to ${to}`,
      `grant select, insert, update, delete on all tables in schema public to ${to}`,
      `grant usage, select on all sequences in schema public to ${to}`,
      // The audit trail is append-only for the service: history is never rewritten or erased.
      `revoke update, delete, truncate on "audit_event" from ${to}`,
      `revoke insert, update, delete, truncate on "mikro_orm_migrations" from ${to}`,
    ]) {
      await em.execute(statement);
    }
  });
}
