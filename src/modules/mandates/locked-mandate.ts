/**
 * locked-mandate.ts takes a mandate for a change: loaded with a row lock, so changes of one mandate
 * take turns, and checked against the lifecycle, so a refused step changes nothing.
 */
import { LockMode } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/postgresql";
import { FailedPreconditionError, NotFoundError } from "../errors.js";
import { Mandate } from "./mandate.entity.js";
import { type MandateAction, type MandateStateName, planStep } from "./mandate-lifecycle.js";

/**
 * lockForChange is the find options of a row about to change: locked until the transaction ends. A
 * function, not a shared object, as MikroORM writes into the options it is given (populate hints).
 */
export const lockForChange = () => ({ lockMode: LockMode.PESSIMISTIC_WRITE }) as const;

/** lockMandate loads the tenant's mandate `id` locked until the transaction ends; NOT_FOUND if there is none. */
export async function lockMandate(em: EntityManager, id: string): Promise<Mandate> {
  const mandate = await em.findOne(Mandate, { id }, lockForChange());
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
