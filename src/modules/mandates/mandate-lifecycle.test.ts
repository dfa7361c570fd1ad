import { describe, expect, it } from "vitest";
import { type MandateAction, type MandateStateName, mandateStates, planStep } from "./mandate-lifecycle.js";

const to = (state: MandateStateName, action: MandateAction) => {
  const step = planStep(state, action);
  return "to" in step ? step.to : step.refusal.reason;
};

/** The states in which `action` is allowed, in mandateStates order. */
const statesAllowing = (action: MandateAction) => mandateStates.filter((s) => "to" in planStep(s, action));

/**
 * Per action, what it does to a mandate in some states: the state it leads to, or the ErrorInfo
 * reason of the refusal.
 */
const outcomes: Partial<Record<MandateAction, Partial<Record<MandateStateName, string>>>> = {
  // The Bacs set-up path: the payer completes, then it is submitted, then accepted or rejected.
  complete: { PENDING_CUSTOMER_APPROVAL: "PENDING_SUBMISSION" },
  submit: { PENDING_SUBMISSION: "SUBMITTED" },
  activate: { SUBMITTED: "ACTIVE" },
  fail: { SUBMITTED: "FAILED" },
  // Cancelling a closed mandate names why it is closed.
  cancel: { CANCELLED: "MANDATE_ALREADY_CANCELLED", FAILED: "MANDATE_FAILED", EXPIRED: "MANDATE_EXPIRED" },
  // Only an active mandate is suspended.
  suspend: { ACTIVE: "SUSPENDED", SUSPENDED: "MANDATE_ALREADY_SUSPENDED", SUBMITTED: "MANDATE_NOT_ACTIVE" },
  // Only the organisation's own suspension is undone; a closed mandate needs the payer again.
  reactivate: {
    SUSPENDED: "ACTIVE",
    CANCELLED: "PAYER_AUTHORISATION_REQUIRED",
    FAILED: "PAYER_AUTHORISATION_REQUIRED",
    EXPIRED: "PAYER_AUTHORISATION_REQUIRED",
    ACTIVE: "MANDATE_ALREADY_ACTIVE",
    PENDING_SUBMISSION: "MANDATE_SETUP_IN_PROGRESS",
  },
  // A transfer keeps the state; only a lodged instruction that still stands can move.
  transfer: {
    ACTIVE: "ACTIVE",
    SUSPENDED: "SUSPENDED",
    SUBMITTED: "MANDATE_NOT_ACTIVE",
    CANCELLED: "MANDATE_NOT_ACTIVE",
  },
};
const outcomeCases = Object.entries(outcomes).flatMap(([action, byState]) =>
  Object.entries(byState).map(
    ([state, outcome]) => [state, action, outcome] as [MandateStateName, MandateAction, string],
  ),
);

describe("planStep", () => {
  it.each(outcomeCases)("%s, %s: %s", (state, action, outcome) => {
    expect(to(state, action)).toBe(outcome);
  });

  it("lets every state but the closed ones be cancelled", () => {
    expect(statesAllowing("cancel")).toEqual([
      "PENDING_CUSTOMER_APPROVAL",
      "PENDING_SUBMISSION",
      "SUBMITTED",
      "ACTIVE",
      "SUSPENDED",
    ]);
  });

  it("reactivates only a suspended mandate", () => {
    expect(statesAllowing("reactivate")).toEqual(["SUSPENDED"]);
  });

  it("transfers only an active or suspended mandate, leaving its state", () => {
    expect(statesAllowing("transfer")).toEqual(["ACTIVE", "SUSPENDED"]);
  });

  it("expires only active or suspended mandates, and resends invites only while the payer has not answered", () => {
    expect(statesAllowing("expire")).toEqual(["ACTIVE", "SUSPENDED"]);
    expect(statesAllowing("resendInvite")).toEqual(["PENDING_CUSTOMER_APPROVAL"]);
  });
});
