import { describe, expect, it } from "vitest";
import {
  isResubmission,
  type MandateAction,
  type MandateStateName,
  mandateStates,
  planStep,
} from "./mandate-lifecycle.js";

const to = (state: MandateStateName, action: MandateAction) => {
  const step = planStep(state, action);
  return "to" in step ? step.to : step.refusal.reason;
};

describe("planStep", () => {
  it("follows the Bacs set-up path: payer completes, submitted, then accepted or rejected", () => {
    expect(to("PENDING_CUSTOMER_APPROVAL", "complete")).toBe("PENDING_SUBMISSION");
    expect(to("PENDING_SUBMISSION", "submit")).toBe("SUBMITTED");
    expect(to("SUBMITTED", "activate")).toBe("ACTIVE");
    expect(to("SUBMITTED", "fail")).toBe("FAILED");
  });

  it("lets every state but the closed ones be cancelled", () => {
    const cancellable = mandateStates.filter((s) => "to" in planStep(s, "cancel"));
    expect(cancellable).toEqual([
      "PENDING_CUSTOMER_APPROVAL",
      "PENDING_SUBMISSION",
      "SUBMITTED",
      "ACTIVE",
      "SUSPENDED",
    ]);
    expect(to("CANCELLED", "cancel")).toBe("MANDATE_ALREADY_CANCELLED");
    expect(to("FAILED", "cancel")).toBe("MANDATE_FAILED");
    expect(to("EXPIRED", "cancel")).toBe("MANDATE_EXPIRED");
  });

  it("suspends only an active mandate and reactivates suspended, cancelled and expired ones", () => {
    expect(to("ACTIVE", "suspend")).toBe("SUSPENDED");
    expect(to("SUSPENDED", "suspend")).toBe("MANDATE_ALREADY_SUSPENDED");
    expect(to("SUBMITTED", "suspend")).toBe("MANDATE_NOT_ACTIVE");
    expect(to("SUSPENDED", "reactivate")).toBe("ACTIVE");
    expect(to("CANCELLED", "reactivate")).toBe("PENDING_SUBMISSION");
    expect(to("EXPIRED", "reactivate")).toBe("PENDING_SUBMISSION");
    expect(to("ACTIVE", "reactivate")).toBe("MANDATE_ALREADY_ACTIVE");
    expect(to("FAILED", "reactivate")).toBe("MANDATE_FAILED");
    expect(isResubmission("CANCELLED", "reactivate")).toBe(true);
    expect(isResubmission("SUSPENDED", "reactivate")).toBe(false);
  });

  it("expires only active or suspended mandates, and resends invites only while the payer has not answered", () => {
    expect(mandateStates.filter((s) => "to" in planStep(s, "expire"))).toEqual(["ACTIVE", "SUSPENDED"]);
    expect(mandateStates.filter((s) => "to" in planStep(s, "resendInvite"))).toEqual(["PENDING_CUSTOMER_APPROVAL"]);
  });
});
