/**
 * tenant-scope.ts hands each request its own EntityManager, made on first use. For an authenticated
 * caller it is scoped to the caller's organisation twice over: the ORM's tenant filter, and a
 * transaction for the whole call whose `dd.organisation_id` setting row-level security checks
 * (platform/db/tenant-session.ts). The transaction commits when the handler answers and rolls back
 * when it throws, so a failed call leaves no write behind; work an outer interceptor asked for
 * (kBeforeCommit: the idempotency record) runs in it just before the commit. A public call (no caller) gets a fork with
 * neither: tenant queries on it throw (filter) or see nothing (RLS), and public code reaches tenant
 * rows only through withTenant / acrossTenants.
 */
import type { Interceptor } from "@connectrpc/connect";
import type { EntityManager, MikroORM } from "@mikro-orm/postgresql";
import { scopeToOrganisation } from "../../platform/db/tenant-filter.js";
import { kBeforeCommit, kCaller, kEntityManager } from "../context.js";

/** createTenantScopeInterceptor forks the EntityManager per request and scopes it to the caller. */
export function createTenantScopeInterceptor({ orm }: { orm: MikroORM }): Interceptor {
  return (next) => async (req) => {
    const caller = req.contextValues.get(kCaller);
    let opening: Promise<EntityManager> | undefined;
    const requestEntityManager = () => {
      opening ??= (async () => {
        const em = orm.em.fork();
        if (!caller) return em;
        scopeToOrganisation(em, caller.organisationId);
        await em.begin();
        return em;
      })();
      return opening;
    };
    req.contextValues.set(kEntityManager, requestEntityManager);
    const beforeCommit = caller ? req.contextValues.get(kBeforeCommit) : undefined;
    let em: EntityManager | undefined;
    try {
      const res = await next(req);
      if (beforeCommit && !res.stream) await beforeCommit(await requestEntityManager(), res);
      em = await opening;
      if (em?.isInTransaction()) await em.commit();
      return res;
    } catch (error) {
      em = await opening?.catch(() => undefined);
      if (em?.isInTransaction()) await em.rollback().catch(() => undefined);
      throw error;
    }
  };
}
