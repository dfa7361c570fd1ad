/**
 * mandate-simulator.ts plays SandboxService's mandate scenarios: the Bacs outcome happens now, with
 * the same effects as the real event (state change, notification, audit), skipping the waiting days.
 * Every step goes through MandateTransitions with cause SANDBOX, so the rules are the real ones; the
 * steps of one scenario run in one transaction, so a scenario happens entirely or not at all.
 *
 * Walks, from the state the mandate is in:
 * - ACTIVATE: [complete with test bank details] → [submit] → activate, from PENDING_CUSTOMER_APPROVAL,
 *   PENDING_SUBMISSION or SUBMITTED.
 * - FAIL: the same walk to SUBMITTED, then the AUDDIS rejection. From PENDING_CUSTOMER_APPROVAL the
 *   test bank details are filled in first: a bank can only reject an instruction it was sent.
 * - CANCEL_BY_PAYER (ADDACS) and EXPIRE: one step, from ACTIVE or SUSPENDED.
 */

import { LockMode } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/postgresql";
import { NotFoundError } from "../errors.js";
import type { Acting } from "../identity/acting.js";
import { Mandate } from "../mandates/mandate.entity.js";
import type { MandateStateName } from "../mandates/mandate-lifecycle.js";
import type { StateChange } from "../mandates/mandate-state-change.js";
import type { ExternalAction, MandateTransitions } from "../mandates/mandate-transitions.js";
import {
  addacsCancelReasons,
  auddisReasons,
  defaultAddacsReason,
  defaultAuddisReason,
} from "./mandate-reason-codes.js";
import { assertScenarioAllowed, checkScenarioRequest, type ScenarioRules } from "./scenario-checks.js";

/** MandateScenarioName is a MandateScenario without its prefix. */
export type MandateScenarioName = "ACTIVATE" | "FAIL" | "CANCEL_BY_PAYER" | "EXPIRE";

const setupStates: readonly MandateStateName[] = ["PENDING_CUSTOMER_APPROVAL", "PENDING_SUBMISSION", "SUBMITTED"];
const liveStates: readonly MandateStateName[] = ["ACTIVE", "SUSPENDED"];

/** mandateScenarios are where each scenario may start (sandbox.proto) and the Bacs codes it reports. */
export const mandateScenarios: ScenarioRules<MandateScenarioName, MandateStateName> = {
  resource: "mandate",
  allowedStates: {
    ACTIVATE: setupStates,
    FAIL: setupStates,
    CANCEL_BY_PAYER: liveStates,
    EXPIRE: liveStates,
  },
  reasonCodes: {
    FAIL: { meanings: auddisReasons, report: "an AUDDIS", fallback: defaultAuddisReason },
    CANCEL_BY_PAYER: { meanings: addacsCancelReasons, report: "a cancelling ADDACS", fallback: defaultAddacsReason },
  },
};

/** testAccountNumber is the sandbox's test account: sort code 200000, account ending "00". */
export const testSortCode = "200000";
export const testAccountNumber = "55779900";

/** MandateSimulator plays mandate scenarios for sandbox organisations. */
export class MandateSimulator {
  constructor(private readonly transitions: MandateTransitions) {}

  /**
   * simulate plays `scenario` on the caller's mandate `id` (`em` is the request's tenant-scoped
   * EntityManager) and returns the mandate afterwards. Refusals, cheapest first: live organisation
   * (FAILED_PRECONDITION SANDBOX_ONLY), bad arguments (INVALID_ARGUMENT), unknown mandate
   * (NOT_FOUND), a state the scenario does not start from (FAILED_PRECONDITION
   * MANDATE_SCENARIO_NOT_ALLOWED).
   */
  async simulate(
    em: EntityManager,
    acting: Acting,
    id: string,
    scenario: MandateScenarioName | undefined,
    reasonCode: string,
  ): Promise<Mandate> {
    const request = checkScenarioRequest(mandateScenarios, acting, { id, scenario, reasonCode });
    const { code } = request;
    const transitions = this.transitions;
    return em.transactional(async (tx) => {
      const locked = await tx.findOne(Mandate, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!locked) throw new NotFoundError("mandate", id);
      assertScenarioAllowed(mandateScenarios, id, locked.state, request.scenario);
      const sandbox = (description: string, reasonCode?: string): StateChange => ({
        cause: "SANDBOX",
        description: `Sandbox: ${description}`,
        reasonCode,
      });
      const external = (action: ExternalAction, change: StateChange) =>
        transitions.applyExternal(tx, acting, id, action, change);
      if (request.scenario === "CANCEL_BY_PAYER") {
        return external("cancel", sandbox(`ADDACS ${code}: ${addacsCancelReasons[code]}`, code));
      }
      if (request.scenario === "EXPIRE") {
        return external("expire", sandbox("the instruction expired after 13 months without a collection"));
      }
      let mandate = locked;
      if (mandate.state === "PENDING_CUSTOMER_APPROVAL") {
        const details = {
          accountHolderName: mandate.payerName,
          sortCode: testSortCode,
          accountNumber: testAccountNumber,
        };
        const completed = sandbox("the payer completed the mandate with test bank details");
        mandate = await transitions.completeWithoutInvite(tx, acting, id, details, completed);
      }
      if (mandate.state === "PENDING_SUBMISSION") {
        mandate = await external("submit", sandbox("submitted to the payer's bank"));
      }
      if (request.scenario === "FAIL") return external("fail", sandbox(`AUDDIS ${code}: ${auddisReasons[code]}`, code));
      return external("activate", sandbox("the payer's bank accepted the instruction"));
    });
  }
}
