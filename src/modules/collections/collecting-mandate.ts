/**
 * collecting-mandate.ts is the one check every new collection passes, whether a schedule's, a
 * one-off or a resumed schedule's: its mandate must be one that can still collect.
 */
import type { EntityManager } from "@mikro-orm/postgresql";
import { FailedPreconditionError } from "../errors.js";
import { lockMandate } from "../mandates/locked-mandate.js";
import type { Mandate } from "../mandates/mandate.entity.js";
import { mandateStatesRefusingSchedules } from "./collection-lifecycle.js";

/**
 * refuseUnlessMandateCanCollect throws FAILED_PRECONDITION MANDATE_NOT_ACTIVE for a mandate that
 * can never collect again (cancelled, failed, expired). A suspended or still-setting-up mandate
 * passes: its collections wait, or are dated after the set-up.
 */
export function refuseUnlessMandateCanCollect(mandate: Pick<Mandate, "id" | "state">): void {
  if (mandateStatesRefusingSchedules.has(mandate.state)) {
    throw new FailedPreconditionError(
      "MANDATE_NOT_ACTIVE",
      `mandate ${mandate.id} is ${mandate.state}: it can take no more collections`,
      { state: mandate.state },
    );
  }
}

/**
 * lockCollectingMandate loads the tenant's mandate `id` locked until the transaction ends (so new
 * collections under it and its cancellation take turns): NOT_FOUND if there is none,
 * MANDATE_NOT_ACTIVE if it can never collect again.
 */
export async function lockCollectingMandate(em: EntityManager, id: string): Promise<Mandate> {
  const mandate = await lockMandate(em, id);
  refuseUnlessMandateCanCollect(mandate);
  return mandate;
}
