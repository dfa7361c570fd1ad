/**
 * composite-references.ts lists the references between tenant tables that are composite,
 * `(organisation_id, x_id) → (organisation_id, id)`, so that no row can point at another
 * organisation's row (Migration20261206070000_row_level_security made them).
 *
 * MikroORM's metadata knows only single-column foreign keys, so a schema diff against the entities
 * proposes to undo them: drop each composite key and its target's unique (organisation_id, id), and
 * add back the single-column key. `isCompositeReferenceUndo` recognises exactly those statements, for
 * the schema check in tests and for scripts/create-migration.ts, which drop them.
 */

/**
 * Tables other tenant tables point at; each has a unique (organisation_id, id) to be pointed at.
 * Those of the row-level security migration; later migrations add their own (all of them below).
 */
export const referencedTenantTables = [
  "app_user",
  "mandate",
  "collection_schedule",
  "collection",
  "alert_threshold",
] as const;

/**
 * Each composite reference: [table, column, referenced table, on delete]. `set null` names its
 * column: nulling organisation_id too would break the row. Append only: a migration made these.
 */
export const compositeReferences = [
  ["session", "user_id", "app_user", ""],
  ["mandate_invite", "mandate_id", "mandate", ""],
  ["collection_schedule", "mandate_id", "mandate", ""],
  ["collection", "mandate_id", "mandate", ""],
  ["collection", "schedule_id", "collection_schedule", ` on delete set null ("schedule_id")`],
  ["alert", "threshold_id", "alert_threshold", ""],
  ["alert", "collection_id", "collection", ` on delete set null ("collection_id")`],
] as const;

/** Referenced tables and references of Migration20261208010000_webhooks. */
export const webhookReferencedTables = ["webhook_endpoint", "webhook_event"] as const;
export const webhookReferences = [
  ["webhook_delivery", "endpoint_id", "webhook_endpoint", " on delete cascade"],
  ["webhook_delivery", "event_id", "webhook_event", ""],
] as const;

const allReferences = [...compositeReferences, ...webhookReferences];
const allReferencedTables = [...referencedTenantTables, ...webhookReferencedTables];

/** The name MikroORM gives a single-column foreign key, and the composite key's own name. */
export const singleKeyName = (table: string, column: string) => `${table}_${column}_foreign`;
export const compositeKeyName = (table: string, column: string) => `${table}_organisation_id_${column}_foreign`;
export const tenantUniqueName = (table: string) => `${table}_organisation_id_id_unique`;

const undoPatterns: readonly RegExp[] = [
  ...allReferences.map(
    ([table, column]) => new RegExp(`^alter table "${table}" drop constraint "${compositeKeyName(table, column)}";$`),
  ),
  ...allReferences.map(
    ([table, column]) =>
      new RegExp(
        `^alter table "${table}" add constraint "${singleKeyName(table, column)}" foreign key \\("${column}"\\) `,
      ),
  ),
  ...allReferencedTables.map(
    (table) => new RegExp(`^alter table "${table}" drop constraint "${tenantUniqueName(table)}";$`),
  ),
];

/** isCompositeReferenceUndo says whether a statement of a schema diff would undo a composite reference. */
export function isCompositeReferenceUndo(statement: string): boolean {
  const trimmed = statement.trim();
  return undoPatterns.some((pattern) => pattern.test(trimmed));
}

/** withoutCompositeReferenceUndo drops such statements (and blank lines) from a schema diff. */
export function withoutCompositeReferenceUndo(diff: string): string {
  return diff
    .split("\n")
    .filter((line) => line.trim() !== "" && !isCompositeReferenceUndo(line))
    .join("\n");
}
