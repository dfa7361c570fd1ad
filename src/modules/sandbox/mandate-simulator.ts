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
import { FailedPreconditionError, type FieldViolation, InvalidArgumentError, NotFoundError } from "../errors.js";
import type { Acting } from "../identity/acting.js";
import { Mandate } from "../mandates/mandate.entity.js";
import type { MandateStateName } from "../mandates/mandate-lifecycle.js";
import type { MandateTransitions } from "../mandates/mandate-transitions.js";
import {
  addacsCancelReasons,
  auddisReasons,
  defaultAddacsReason,
  defaultAuddisReason,
} from "./mandate-reason-codes.js";

/** MandateScenarioName is a MandateScenario without its prefix. */
export type MandateScenarioName = "ACTIVATE" | "FAIL" | "CANCEL_BY_PAYER" | "EXPIRE";

const setupStates: readonly MandateStateName[] = ["PENDING_CUSTOMER_APPROVAL", "PENDING_SUBMISSION", "SUBMITTED"];
const liveStates: readonly MandateStateName[] = ["ACTIVE", "SUSPENDED"];

/** allowedStates are the states each scenario may start from (sandbox.proto). */
export const allowedStates: Readonly<Record<MandateScenarioName, readonly MandateStateName[]>> = {
  ACTIVATE: setupStates,
  FAIL: setupStates,
  CANCEL_BY_PAYER: liveStates,
  EXPIRE: liveStates,
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
    if (!acting.sandbox) {
      throw new FailedPreconditionError(
        "SANDBOX_ONLY",
        "scenarios can be simulated only in sandbox organisations (dd_test_ keys)",
      );
    }
    const reason = checkArguments(id, scenario, reasonCode);
    const transitions = this.transitions;
    return em.transactional(async (tx) => {
      const locked = await tx.findOne(Mandate, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!locked) throw new NotFoundError("mandate", id);
      const allowed = allowedStates[reason.scenario];
      if (!allowed.includes(locked.state)) {
        throw new FailedPreconditionError(
          "MANDATE_SCENARIO_NOT_ALLOWED",
          `mandate ${id} is ${locked.state}: ${reason.scenario} needs one of ${allowed.join(", ")}`,
          { state: locked.state, scenario: reason.scenario },
        );
      }
      const sandbox = (description: string, reasonCode?: string) => ({
        cause: "SANDBOX" as const,
        description: `Sandbox: ${description}`,
        reasonCode,
      });
      let mandate = locked;
      if (reason.scenario === "CANCEL_BY_PAYER") {
        return transitions.applyExternal(
          tx,
          acting,
          id,
          "cancel",
          sandbox(`ADDACS ${reason.code}: ${addacsCancelReasons[reason.code]}`, reason.code),
        );
      }
      if (reason.scenario === "EXPIRE") {
        return transitions.applyExternal(
          tx,
          acting,
          id,
          "expire",
          sandbox("the instruction expired after 13 months without a collection"),
        );
      }
      if (mandate.state === "PENDING_CUSTOMER_APPROVAL") {
        const details = {
          accountHolderName: mandate.payerName,
          sortCode: testSortCode,
          accountNumber: testAccountNumber,
        };
        mandate = await transitions.completeWithoutInvite(
          tx,
          acting,
          id,
          details,
          sandbox("the payer completed the mandate with test bank details"),
        );
      }
      if (mandate.state === "PENDING_SUBMISSION") {
        mandate = await transitions.applyExternal(tx, acting, id, "submit", sandbox("submitted to the payer's bank"));
      }
      if (reason.scenario === "FAIL") {
        return transitions.applyExternal(
          tx,
          acting,
          id,
          "fail",
          sandbox(`AUDDIS ${reason.code}: ${auddisReasons[reason.code]}`, reason.code),
        );
      }
      return transitions.applyExternal(
        tx,
        acting,
        id,
        "activate",
        sandbox("the payer's bank accepted the instruction"),
      );
    });
  }
}

/** checkArguments validates the request and resolves the reason code (the scenario's default if empty). */
function checkArguments(id: string, scenario: MandateScenarioName | undefined, reasonCode: string) {
  const violations: FieldViolation[] = [];
  if (id === "") violations.push({ field: "mandate_id", description: "is required" });
  if (scenario === undefined)
    violations.push({
      field: "scenario",
      description: "is required: one of MANDATE_SCENARIO_ACTIVATE, _FAIL, _CANCEL_BY_PAYER, _EXPIRE",
    });
  const codes = scenario === "FAIL" ? auddisReasons : scenario === "CANCEL_BY_PAYER" ? addacsCancelReasons : undefined;
  const code = reasonCode.trim().toUpperCase();
  if (scenario !== undefined && code !== "") {
    if (!codes)
      violations.push({
        field: "reason_code",
        description: `must be empty for ${scenario}: it reports no Bacs reason`,
      });
    else if (!Object.hasOwn(codes, code)) {
      const report = scenario === "FAIL" ? "an AUDDIS" : "a cancelling ADDACS";
      violations.push({
        field: "reason_code",
        description: `must be ${report} code: one of ${Object.keys(codes).join(", ")}`,
      });
    }
  }
  if (violations.length > 0 || scenario === undefined) throw new InvalidArgumentError(violations);
  const fallback = scenario === "FAIL" ? defaultAuddisReason : defaultAddacsReason;
  return { scenario, code: code === "" ? fallback : code };
}
