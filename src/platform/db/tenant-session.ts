/**
 * tenant-session.ts carries the tenant into PostgreSQL, where row-level security is the second wall
 * behind the ORM's tenant filter (policies in Migration20261206070000_row_level_security).
 *
 * Every transaction MikroORM opens starts with `set_config('dd.organisation_id', …, true)`, taken
 * from its EntityManager's tenant filter parameters, so a row is visible and writable only inside a
 * transaction of its own organisation. Outside a transaction nothing is set and tenant tables answer
 * no rows: request code runs in the request's transaction (rpc/interceptors/tenant-scope.ts), and
 * other code in `withTenant` or `acrossTenants`.
 *
 * The few jobs that must look across organisations (credential lookups by digest, Bacs processing,
 * sweeps, operator commands) go through `acrossTenants`, which names its purpose in
 * `dd.cross_tenant` and is logged: never around the wall, always through this one door.
 */
import type { EventSubscriber, TransactionEventArgs } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/postgresql";
import type { Logger } from "pino";
import { scopeToOrganisation, TENANT_FILTER, type TenantFilterParams } from "./tenant-filter.js";

/** Why a transaction looks across organisations; each one is a named, reviewed path. */
export type CrossTenantPurpose =
  | "api key lookup"
  | "session lookup"
  | "sign-in lookup"
  | "invite token lookup"
  | "welcome token lookup"
  | "bacs processing"
  | "idempotency sweep"
  | "payer email delivery"
  | "access audit"
  | "provisioning"
  | "operator command"
  | "key rotation"
  | "webhook delivery";

/** Where the purpose rides on an EntityManager: filter parameters are copied to every fork. */
const CROSS_TENANT_PARAMS = "dd.cross_tenant";

interface CrossTenantParams {
  purpose?: CrossTenantPurpose;
}

/**
 * TenantSessionSubscriber sets the transaction's tenant settings as it starts. MikroORM calls
 * afterTransactionStart for top-level transactions only; savepoints inherit the settings.
 */
export class TenantSessionSubscriber implements EventSubscriber {
  constructor(private readonly logger: Logger) {}

  async afterTransactionStart({ em, transaction }: TransactionEventArgs): Promise<void> {
    const tenant = em.getFilterParams<TenantFilterParams>(TENANT_FILTER);
    const crossTenant = em.getFilterParams<CrossTenantParams>(CROSS_TENANT_PARAMS)?.purpose;
    if (crossTenant) this.logger.debug({ cross_tenant: crossTenant }, "transaction across organisations");
    try {
      await em
        .getConnection()
        .execute(
          "select set_config('dd.organisation_id', ?, true), set_config('dd.cross_tenant', ?, true)",
          [tenant?.organisationId ?? "", crossTenant ?? ""],
          "run",
          transaction,
        );
    } catch (error) {
      // begin() throws before it hands the transaction out, so nobody else can end it: left open,
      // its pooled connection would never come back (a few outages would empty the pool for good).
      await (transaction as { rollback(): Promise<unknown> }).rollback().catch(() => undefined);
      throw error;
    }
  }
}

/** Anything that can fork an EntityManager: the ORM's root one or a request's. */
interface Forkable {
  fork(): EntityManager;
}

/** forkOf forks the root EntityManager of an ORM (`{ em }`), or the EntityManager given. */
function forkOf(source: Forkable | { em: Forkable }): EntityManager {
  return "em" in source ? source.em.fork() : source.fork();
}

/**
 * withTenant runs `work` in a transaction of one organisation, on a fresh fork scoped to it (the
 * tenant filter and the database setting alike). For code outside a request: background writes,
 * caches that load one organisation's row.
 */
export function withTenant<T>(
  source: Forkable | { em: Forkable },
  organisationId: string,
  work: (em: EntityManager) => Promise<T>,
): Promise<T> {
  const em = forkOf(source);
  // A fork copies its parent's parameters: one made inside acrossTenants must not stay across.
  em.setFilterParams(CROSS_TENANT_PARAMS, {});
  return scopeToOrganisation(em, organisationId).transactional(work);
}

/**
 * acrossTenants runs `work` in a transaction that row-level security lets see every organisation,
 * naming why. The tenant filter stays on: queries that mean to cross say so with `filters: false`.
 */
export function acrossTenants<T>(
  source: Forkable | { em: Forkable },
  purpose: CrossTenantPurpose,
  work: (em: EntityManager) => Promise<T>,
): Promise<T> {
  return crossTenantFork(source, purpose).transactional(work);
}

/**
 * crossTenantFork returns a fork whose every transaction sees all organisations, for a job that runs
 * several transactions in turn (batches); outside a transaction it still sees nothing.
 */
export function crossTenantFork(source: Forkable | { em: Forkable }, purpose: CrossTenantPurpose): EntityManager {
  const em = forkOf(source);
  em.setFilterParams(CROSS_TENANT_PARAMS, { purpose } satisfies CrossTenantParams);
  return em;
}
