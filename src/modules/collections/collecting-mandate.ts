/**
 * collecting-mandate.ts is the check staff's new collections pass (a schedule's first, a one-off,
 * a resumed schedule's): their mandate must not be closed. A suspended mandate passes (its
 * collections wait), unlike mandateCollects, which says whether collections are created now;
 * a re-presentation asks more (retry.ts: ACTIVE only).
 */
import type { EntityManager } from "@mikro-orm/postgresql";
import { FailedPreconditionError } from "../errors.js";
import { lockMandate } from "../mandates/locked-mandate.js";
import type { Mandate } from "../mandates/mandate.entity.js";
import { mandateStatesRefusingSchedules } from "./collection-lifecycle.js";

/**
 * refuseClosedMandate throws FAILED_PRECONDITION MANDATE_NOT_ACTIVE for a mandate that can never
 * collect again (cancelled, failed, expired). A suspended or still-setting-up mandate passes: its
 * collections wait, or are dated after the set-up.
 */
export function refuseClosedMandate(mandate: Pick<Mandate, "id" | "state">): void {
  if (mandateStatesRefusingSchedules.has(mandate.state)) {
    throw new FailedPreconditionError(
      "MANDATE_NOT_ACTIVE",
      `mandate ${mandate.id} is ${mandate.state}: it can take no more collections`,
      { state: mandate.state },
    );
  }
}

/**
 * lockMandateForNewCollections loads the tenant's mandate `id` locked until the transaction ends
 * (so new collections under it and its cancellation take turns): NOT_FOUND if there is none,
 * MANDATE_NOT_ACTIVE if it can never collect again.
 */
export async function lockMandateForNewCollections(em: EntityManager, id: string): Promise<Mandate> {
  const mandate = await lockMandate(em, id);
  refuseClosedMandate(mandate);
  return mandate;
}
