import { type Dictionary, type EntityManager, type EntityMetadata, ReferenceKind } from "@mikro-orm/core";

/** TENANT_FILTER is the name of the MikroORM filter that scopes tenant entities to one organisation. */
export const TENANT_FILTER = "tenant";

/** TenantFilterParams are the parameters the tenant filter needs: the caller's organisation id. */
export interface TenantFilterParams {
  organisationId: string;
}

/** The property every tenant entity has; the discovery guard below keys on it. */
const TENANT_PROPERTY = "organisation";

function tenantCondition(args: Dictionary): Dictionary {
  const organisationId: unknown = args?.organisationId;
  if (typeof organisationId !== "string" || organisationId === "") {
    // A condition like { organisation: undefined } would be dropped and match every row: refuse instead.
    throw new Error(`filter '${TENANT_FILTER}' needs a non-empty organisationId`);
  }
  return { [TENANT_PROPERTY]: organisationId };
}

/**
 * tenantFilter is spread into `filters` of every tenant EntitySchema (one with an `organisation`
 * relation): `defineEntity({ …, filters: { ...tenantFilter } })`.
 *
 * Why per entity and not one global filter with an `entity: [...]` list: the entity's own file then
 * says that it is tenant data, and no central list can be forgotten (`assertTenantFilter`, run at
 * discovery, refuses an entity that has `organisation` but not this filter). It is `default: true`
 * and its condition takes arguments, so any find/count/nativeUpdate/nativeDelete on a tenant entity
 * through an EntityManager without `scopeToOrganisation` throws "No arguments provided for filter
 * 'tenant'" — it fails closed. Filters do NOT guard QueryBuilder (call `qb.applyFilters()`), raw SQL,
 * inserts or flushes by primary key (see stack notes).
 */
export const tenantFilter = {
  [TENANT_FILTER]: { name: TENANT_FILTER, cond: tenantCondition, default: true },
} as const;

/**
 * scopeToOrganisation sets the tenant filter's parameters on `em` (normally a fresh `orm.em.fork()`
 * per request) so every tenant query through it, and through its forks and transactions, sees only
 * `organisationId`'s rows. Returns the same EntityManager for chaining.
 */
export function scopeToOrganisation<E extends EntityManager>(em: E, organisationId: string): E {
  const params: TenantFilterParams = { organisationId };
  tenantCondition(params as unknown as Dictionary); // reject an empty id now, not at the first query
  em.setFilterParams(TENANT_FILTER, params);
  return em;
}

/**
 * assertTenantFilter is a `discovery.onMetadata` hook: it throws at start-up if an entity has an
 * `organisation` relation but does not declare `tenantFilter`, so a new tenant entity cannot ship
 * unfiltered by mistake.
 */
export function assertTenantFilter(meta: EntityMetadata): void {
  const prop = meta.properties[TENANT_PROPERTY as keyof typeof meta.properties];
  const isTenant =
    prop !== undefined && (prop.kind === ReferenceKind.MANY_TO_ONE || prop.kind === ReferenceKind.ONE_TO_ONE);
  if (isTenant && meta.filters?.[TENANT_FILTER]?.cond !== tenantCondition) {
    throw new Error(
      `entity ${meta.className} has '${TENANT_PROPERTY}' but not the tenant filter: add ...tenantFilter to its filters`,
    );
  }
}
