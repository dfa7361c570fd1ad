/**
 * in-organisation.ts is the shape the commands on one organisation share: open the App, check the
 * organisation exists, and run the change in its transaction as the operator.
 */
import type { EntityManager } from "@mikro-orm/postgresql";
import type { App } from "../app.js";
import { NotFoundError } from "../modules/errors.js";
import type { Acting } from "../modules/identity/acting.js";
import { Organisation } from "../modules/identity/organisation.entity.js";
import { withTenant } from "../platform/db/tenant-session.js";
import type { CliRuntime } from "./runtime.js";

/**
 * inOrganisation runs `work` in one organisation's transaction (tenant filter and row-level security
 * alike), after checking the organisation exists: NOT_FOUND naming the id otherwise. `work` gets the
 * App's services and the operator acting in that organisation, as audit rows name them.
 */
export async function inOrganisation<T>(
  runtime: CliRuntime,
  organisationId: string,
  work: (app: App, em: EntityManager, operator: Acting) => Promise<T>,
): Promise<T> {
  const app = await runtime.services({ announce: false });
  const { orm } = await runtime.database();
  return withTenant(orm, organisationId, async (em) => {
    if (!(await em.findOne(Organisation, { id: organisationId }))) {
      throw new NotFoundError("organisation", organisationId);
    }
    return work(app, em, { organisationId, actor: "operator" });
  });
}
