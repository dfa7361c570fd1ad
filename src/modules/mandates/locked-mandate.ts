/**
 * locked-mandate.ts takes a mandate for a change: loaded with a row lock, so changes of one mandate
 * take turns, and checked against the lifecycle, so a refused step changes nothing.
 */
import type { EntityManager } from "@mikro-orm/postgresql";
import { FailedPreconditionError, NotFoundError } from "../errors.js";
import { Mandate } from "./mandate.entity.js";
import { type MandateAction, type MandateStateName, planStep } from "./mandate-lifecycle.js";

/**
 * findLockedMandate loads the tenant's mandate `id` locked until the transaction ends, or null. The
 * lock is FOR NO KEY UPDATE, not FOR UPDATE: it makes writers of the mandate take turns all the
 * same, but lets other transactions insert rows that reference it (their foreign key check takes
 * FOR KEY SHARE). The materialiser holds a schedule's lock while it inserts a collection of the
 * schedule's mandate; under FOR UPDATE, a write that locks the mandate and then that schedule (a
 * schedule change, the mandate's closure) would deadlock with it.
 */
export async function findLockedMandate(em: EntityManager, id: string): Promise<Mandate | null> {
  // Raw SQL (MikroORM has no NO KEY UPDATE mode): row-level security scopes it to the tenant, and
  // the tenant filter scopes the load that follows.
  const locked = await em.execute(`select "id" from "mandate" where "id" = ? for no key update`, [id]);
  if (locked.length === 0) return null;
  return em.findOne(Mandate, { id }, { refresh: true });
}

/** lockMandate loads the tenant's mandate `id` locked until the transaction ends; NOT_FOUND if there is none. */
export async function lockMandate(em: EntityManager, id: string): Promise<Mandate> {
  const mandate = await findLockedMandate(em, id);
  if (!mandate) throw new NotFoundError("mandate", id);
  return mandate;
}

/** refuseUnless returns the state `action` takes the mandate to, or throws the lifecycle's refusal (FAILED_PRECONDITION). */
export function refuseUnless(mandate: Mandate, action: MandateAction): MandateStateName {
  const step = planStep(mandate.state, action);
  if ("refusal" in step) {
    throw new FailedPreconditionError(
      step.refusal.reason,
      `mandate ${mandate.id} is ${mandate.state}: ${step.refusal.message}`,
      { state: mandate.state },
    );
  }
  return step.to;
}
