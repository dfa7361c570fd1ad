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
 * - TRANSFER (ADDACS "3" or "C" with new details): from ACTIVE or SUSPENDED, the mandate moves to
 *   the given bank details, or to a test account other than its own, and keeps its state
 *   (MandateTransitions.transfer). Its fields are named new_sort_code, new_account_number and
 *   new_account_holder_name in the request, and so in its field violations.
 */

import type { EntityManager } from "@mikro-orm/postgresql";
import { type FieldViolation, InvalidArgumentError, NotFoundError } from "../errors.js";
import type { Acting } from "../identity/acting.js";
import { findLockedMandate } from "../mandates/locked-mandate.js";
import type { Mandate } from "../mandates/mandate.entity.js";
import type { MandateStateName } from "../mandates/mandate-lifecycle.js";
import type { StateChange } from "../mandates/mandate-state-change.js";
import type { AccountTransfer } from "../mandates/mandate-transfer.js";
import type { ExternalAction, MandateTransitions } from "../mandates/mandate-transitions.js";
import {
  addacsCancelReasons,
  addacsTransferReasons,
  auddisReasons,
  defaultAddacsReason,
  defaultAddacsTransferReason,
  defaultAuddisReason,
} from "./mandate-reason-codes.js";
import {
  assertScenarioAllowed,
  checkScenarioRequest,
  type ScenarioAsk,
  type ScenarioRules,
} from "./scenario-checks.js";

/** MandateScenarioName is a MandateScenario without its prefix. */
export type MandateScenarioName = "ACTIVATE" | "FAIL" | "CANCEL_BY_PAYER" | "EXPIRE" | "TRANSFER";

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
    TRANSFER: liveStates,
  },
  reasonCodes: {
    FAIL: { meanings: auddisReasons, report: "an AUDDIS", fallback: defaultAuddisReason },
    CANCEL_BY_PAYER: { meanings: addacsCancelReasons, report: "a cancelling ADDACS", fallback: defaultAddacsReason },
    TRANSFER: {
      meanings: addacsTransferReasons,
      report: "a transferring ADDACS",
      fallback: defaultAddacsTransferReason,
    },
  },
};

/** testAccountNumber is the sandbox's test account: sort code 200000, account ending "00". */
export const testSortCode = "200000";
export const testAccountNumber = "55779900";
/** transferAccountNumber is where TRANSFER moves a mandate by default: sort code 200000, ending "11". */
export const transferAccountNumber = "55779911";

/**
 * NewBankDetails are the request's new_sort_code, new_account_number and new_account_holder_name,
 * "" when not given.
 */
export interface NewBankDetails {
  sortCode: string;
  accountNumber: string;
  accountHolderName: string;
}

const noNewDetails: NewBankDetails = { sortCode: "", accountNumber: "", accountHolderName: "" };

/** The request's name of each field transferViolations names. */
const requestField: Readonly<Record<string, string>> = {
  sort_code: "new_sort_code",
  account_number: "new_account_number",
  account_holder_name: "new_account_holder_name",
};

/** MandateSimulator plays mandate scenarios for sandbox organisations. */
export class MandateSimulator {
  constructor(private readonly transitions: MandateTransitions) {}

  /**
   * simulate plays the asked scenario on the caller's mandate `asked.id` (`em` is the request's tenant-scoped
   * EntityManager) and returns the mandate afterwards. Refusals, cheapest first: live organisation
   * (FAILED_PRECONDITION SANDBOX_ONLY), bad arguments (INVALID_ARGUMENT), unknown mandate
   * (NOT_FOUND), a state the scenario does not start from (FAILED_PRECONDITION
   * MANDATE_SCENARIO_NOT_ALLOWED).
   */
  async simulate(
    em: EntityManager,
    acting: Acting,
    asked: ScenarioAsk<MandateScenarioName>,
    newDetails: NewBankDetails = noNewDetails,
  ): Promise<Mandate> {
    const { id } = asked;
    const violations = this.newDetailsViolations(asked.scenario, newDetails);
    const request = checkScenarioRequest(mandateScenarios, acting, { ...asked, violations });
    const { code } = request;
    const transitions = this.transitions;
    return em.transactional(async (tx) => {
      const locked = await findLockedMandate(tx, id);
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
      if (request.scenario === "TRANSFER") {
        const transfer = givenTransfer(newDetails) ?? defaultTransfer(locked, newDetails);
        const report = sandbox(`ADDACS ${code}: ${addacsTransferReasons[code]}`, code);
        return transitions.transfer(tx, acting, id, transfer, report).catch((error: unknown) => {
          throw asRequestFields(error);
        });
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

  /**
   * newDetailsViolations checks the new_* fields: given only for TRANSFER, the sort code and account
   * number together, and then as a payer's would be (shape, modulus check, holder name).
   */
  private newDetailsViolations(scenario: MandateScenarioName | undefined, details: NewBankDetails): FieldViolation[] {
    const given = (Object.keys(details) as (keyof NewBankDetails)[]).filter((k) => details[k] !== "");
    if (scenario !== "TRANSFER") {
      const why = `must be empty for ${scenario ?? "this scenario"}: only MANDATE_SCENARIO_TRANSFER takes new bank details`;
      return given.map((k) => ({ field: `new_${snake(k)}`, description: why }));
    }
    const violations: FieldViolation[] = [];
    if (details.sortCode === "" && details.accountNumber !== "")
      violations.push({ field: "new_sort_code", description: "is required with new_account_number" });
    if (details.accountNumber === "" && details.sortCode !== "")
      violations.push({ field: "new_account_number", description: "is required with new_sort_code" });
    if (violations.length > 0) return violations;
    const transfer = givenTransfer(details) ?? {
      sortCode: testSortCode,
      accountNumber: transferAccountNumber,
      accountHolderName: details.accountHolderName || undefined,
    };
    return this.transitions.transferViolations(transfer).map(renamed);
  }
}

/** givenTransfer is the transfer the request describes, or undefined if it gave no sort code and account number. */
function givenTransfer(details: NewBankDetails): AccountTransfer | undefined {
  if (details.sortCode === "" || details.accountNumber === "") return undefined;
  return {
    sortCode: details.sortCode,
    accountNumber: details.accountNumber,
    accountHolderName: details.accountHolderName || undefined,
  };
}

/**
 * defaultTransfer moves the mandate to a test account other than its own, so the scenario can be
 * played again and again: 200000 / 55779911, or 200000 / 55779900 for a mandate already there
 * (sort code and last 2 digits differ, so the accounts do). Both pass the modulus check.
 */
function defaultTransfer(mandate: Mandate, details: NewBankDetails): AccountTransfer {
  const there = mandate.sortCode === testSortCode && mandate.accountNumberEnding === transferAccountNumber.slice(-2);
  return {
    sortCode: testSortCode,
    accountNumber: there ? testAccountNumber : transferAccountNumber,
    accountHolderName: details.accountHolderName || undefined,
  };
}

function renamed(violation: FieldViolation): FieldViolation {
  return { ...violation, field: requestField[violation.field] ?? violation.field };
}

/** asRequestFields names a transfer's field violations as the request does (new_account_number, …). */
function asRequestFields(error: unknown): unknown {
  if (!(error instanceof InvalidArgumentError)) return error;
  return new InvalidArgumentError(error.violations.map(renamed));
}

function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
