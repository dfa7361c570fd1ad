/**
 * CollectionTable shows collections (single Direct Debit payments): charge date, amount, state with
 * its Bacs reason code. In sandbox organisations, staff who can write get a button per outcome the
 * collection's state allows (SandboxService.SimulateCollectionScenario), so an integration can be
 * walked through paid, failed, late-failed and charged-back collections without waiting for Bacs.
 * Admins and members can present a collection returned with reason code 0 again (Retry). Used on the
 * Collections page and on a mandate's page.
 */
import { createConnectQueryKey, useMutation } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { AlertService } from "../../../../gen/dd/v1/alerts_pb.js";
import { type Collection, CollectionService, CollectionState } from "../../../../gen/dd/v1/collections_pb.js";
import type { Mandate } from "../../../../gen/dd/v1/mandates_pb.js";
import { CollectionScenario, SandboxService } from "../../../../gen/dd/v1/sandbox_pb.js";
import { problemOf } from "../../shared/errors.js";
import { ProblemBanner } from "../../shared/ProblemBanner.js";
import { calendarDay } from "../dates.js";
import { when } from "../format.js";
import { pounds } from "../money.js";
import { useStaff } from "../session.js";
import { enumLabel } from "../states.js";
import { mandateLabel } from "./mandates.js";
import { canRetry, MAX_RETRIES, RetryCollectionDialog } from "./RetryCollectionDialog.js";

/** Each simulator button: its name, and the states its scenario starts from (sandbox.proto). */
const simulations: readonly { scenario: CollectionScenario; name: string; from: readonly CollectionState[] }[] = [
  {
    scenario: CollectionScenario.PAY,
    name: "Simulate paid",
    from: [CollectionState.PENDING_SUBMISSION, CollectionState.SUBMITTED, CollectionState.CONFIRMED],
  },
  {
    scenario: CollectionScenario.FAIL,
    name: "Simulate failure",
    from: [CollectionState.PENDING_SUBMISSION, CollectionState.SUBMITTED],
  },
  {
    scenario: CollectionScenario.LATE_FAIL,
    name: "Simulate late failure",
    from: [CollectionState.CONFIRMED, CollectionState.PAID_OUT],
  },
  { scenario: CollectionScenario.CHARGE_BACK, name: "Simulate charge-back", from: [CollectionState.PAID_OUT] },
];

/** Outcomes that need no attention read green; money that did not arrive or went back reads red. */
const stateTone: Partial<Record<CollectionState, string>> = {
  [CollectionState.PAID_OUT]: "badge-ok",
  [CollectionState.FAILED]: "badge-danger",
  [CollectionState.CHARGED_BACK]: "badge-danger",
};

/** collectionStateName is a collection's state in words: "Paid out". */
export function collectionStateName(state: CollectionState): string {
  return enumLabel(CollectionState[state]);
}

export interface CollectionTableProps {
  collections: readonly Collection[];
  /** Mandates by id: when given, a column names each collection's mandate. */
  mandates?: ReadonlyMap<string, Mandate>;
  /** The table's caption, read by screen readers. */
  caption?: string;
}

export function CollectionTable({ collections, mandates, caption = "Collections" }: CollectionTableProps) {
  const staff = useStaff();
  const queryClient = useQueryClient();
  const simulate = useMutation(SandboxService.method.simulateCollectionScenario, {
    // An outcome changes the collection, may move its schedule on, and may raise an alert.
    onSuccess: () =>
      Promise.all(
        [CollectionService, AlertService].map((schema) =>
          queryClient.invalidateQueries({ queryKey: createConnectQueryKey({ schema, cardinality: undefined }) }),
        ),
      ),
  });
  const simulating = staff.session.sandbox && staff.mayWriteSchedules;
  const [retrying, setRetrying] = useState<Collection>();

  if (collections.length === 0) return <p>No collections match.</p>;
  return (
    <>
      <ProblemBanner problem={simulate.error ? problemOf(simulate.error) : undefined} />
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">{caption}</caption>
          <thead>
            <tr>
              <th scope="col">Charge date</th>
              <th scope="col">Amount</th>
              {mandates && <th scope="col">Mandate</th>}
              <th scope="col">State</th>
              <th scope="col">Since</th>
              {simulating && <th scope="col">Sandbox outcome</th>}
            </tr>
          </thead>
          <tbody>
            {collections.map((c) => (
              <tr key={c.id}>
                <th scope="row">{calendarDay(c.chargeDate)}</th>
                <td>
                  {pounds(c.amountMinor)}
                  {c.description && <div className="hint">{c.description}</div>}
                </td>
                {mandates && <td>{mandateLabel(mandates.get(c.mandateId), c.mandateId)}</td>}
                <td>
                  <span className={`badge ${stateTone[c.state] ?? ""}`}>{collectionStateName(c.state)}</span>
                  {c.reasonCode && <div className="hint">Reason code {c.reasonCode}</div>}
                  {c.retryCount > 0 && (
                    <div className="hint">
                      Presented again {c.retryCount} of {MAX_RETRIES}; first due {calendarDay(c.originalChargeDate)}
                    </div>
                  )}
                  {staff.mayWriteSchedules && canRetry(c) && (
                    <button type="button" onClick={() => setRetrying(c)}>
                      Retry
                    </button>
                  )}
                </td>
                <td>{when(c.stateChangeTime)}</td>
                {simulating && (
                  <td className="actions">
                    {simulations
                      .filter((s) => s.from.includes(c.state))
                      .map((s) => (
                        <button
                          type="button"
                          key={s.scenario}
                          disabled={simulate.isPending}
                          onClick={() => simulate.mutate({ collectionId: c.id, scenario: s.scenario })}
                        >
                          {s.name}
                        </button>
                      ))}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {retrying && <RetryCollectionDialog collection={retrying} onClose={() => setRetrying(undefined)} />}
    </>
  );
}
