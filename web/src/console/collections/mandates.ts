/**
 * mandates.ts looks up the organisation's mandates for the collection pages: their references (a
 * schedule or collection names only its mandate's id) and the ones a schedule can collect from.
 * One page of 500 covers most organisations; a mandate beyond it shows by its id.
 */
import { useQuery } from "@connectrpc/connect-query";
import { type Mandate, MandateService, MandateState } from "../../../../gen/dd/v1/mandates_pb.js";

/** The states a new schedule accepts and can collect in: set up, or on its way to being set up. */
const collectible = [MandateState.ACTIVE, MandateState.PENDING_SUBMISSION, MandateState.SUBMITTED];

/** useMandateDirectory maps mandate ids to mandates, for showing references. */
export function useMandateDirectory(): ReadonlyMap<string, Mandate> {
  const list = useQuery(MandateService.method.listMandates, { pageSize: 500 });
  return new Map((list.data?.mandates ?? []).map((m) => [m.id, m]));
}

/** useCollectibleMandates lists the mandates a new schedule can be set up under. */
export function useCollectibleMandates() {
  return useQuery(MandateService.method.listMandates, { pageSize: 500, state: collectible });
}

/** mandateLabel names a mandate the way staff know it: "FLAT4RENT — Priya Tenant". */
export function mandateLabel(mandate: Mandate | undefined, id: string): string {
  return mandate ? `${mandate.reference} — ${mandate.payer?.name ?? ""}` : id;
}
