/**
 * tenant-scope.ts hands each request its own EntityManager fork (made on first use) with the tenant
 * filter set to the caller's organisation. Handlers get it only through requireEntityManager(ctx), never orm.em, so a
 * query can only see the caller's organisation; without a caller (public methods) the filter has no
 * parameters and any tenant query throws (fail closed).
 */
import type { Interceptor } from "@connectrpc/connect";
import type { EntityManager, MikroORM } from "@mikro-orm/postgresql";
import { scopeToOrganisation } from "../../platform/db/tenant-filter.js";
import { kCaller, kEntityManager } from "../context.js";

/** createTenantScopeInterceptor forks the EntityManager per request and scopes it to the caller. */
export function createTenantScopeInterceptor({ orm }: { orm: MikroORM }): Interceptor {
  return (next) => async (req) => {
    const caller = req.contextValues.get(kCaller);
    let em: EntityManager | undefined;
    req.contextValues.set(kEntityManager, () => {
      if (!em) {
        em = orm.em.fork();
        if (caller) scopeToOrganisation(em, caller.organisationId);
      }
      return em;
    });
    return next(req);
  };
}
