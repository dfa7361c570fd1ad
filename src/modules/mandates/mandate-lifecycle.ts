/**
 * mandate-lifecycle.ts is the mandate state machine as data: which action may leave which state for
 * which state, and the one ErrorInfo reason for every refusal. It knows nothing of the database, so
 * the rules can be read (and tested) in one place; mandate-transitions.ts applies them.
 */

/** mandateStates are the stored state names; they equal the MandateState enum names without prefix. */
export const mandateStates = [
  "PENDING_CUSTOMER_APPROVAL",
  "PENDING_SUBMISSION",
  "SUBMITTED",
  "ACTIVE",
  "SUSPENDED",
  "CANCELLED",
  "FAILED",
  "EXPIRED",
] as const;

/** MandateStateName is where a mandate is in its Bacs life cycle. */
export type MandateStateName = (typeof mandateStates)[number];

/** mandateCauses are who or what made a mandate change state (the MandateCause enum names). */
export const mandateCauses = [
  "ORGANISATION",
  "PAYER",
  "PROCESSING",
  "BACS_AUDDIS",
  "BACS_ADDACS",
  "EXPIRY",
  "SANDBOX",
] as const;

/** MandateCauseName says who or what caused a state change. */
export type MandateCauseName = (typeof mandateCauses)[number];

/**
 * MandateAction is everything that can move a mandate: the organisation's actions (cancel, suspend,
 * reactivate, resendInvite), the payer's (complete) and those of Bacs processing, its reports and
 * the sandbox (submit, activate, fail, expire; cancel and transfer too, for ADDACS). A transfer
 * moves the mandate to new bank details and leaves its state as it is.
 */
export type MandateAction =
  | "complete"
  | "submit"
  | "activate"
  | "fail"
  | "cancel"
  | "suspend"
  | "reactivate"
  | "expire"
  | "transfer"
  | "resendInvite";

/** Refusal is why an action is not allowed in a state: an UPPER_SNAKE_CASE reason and a sentence. */
export interface Refusal {
  reason: string;
  message: string;
}

/** Step is the outcome of planning an action: the state it leads to, or why it cannot happen. */
export type Step = { to: MandateStateName } | { refusal: Refusal };

/** States the reference may still change in: the instruction has not been lodged with the bank. */
export const referenceEditableStates: ReadonlySet<MandateStateName> = new Set([
  "PENDING_CUSTOMER_APPROVAL",
  "PENDING_SUBMISSION",
]);

const refuse = (reason: string, message: string): Step => ({ refusal: { reason, message } });

// Cancelling a mandate in a final state names that state, so a caller can tell "already cancelled"
// from "rejected by the bank"; other actions on a final state answer as their own rule says (e.g.
// suspend: MANDATE_NOT_ACTIVE).
const finalRefusals: Partial<Record<MandateStateName, Refusal>> = {
  CANCELLED: { reason: "MANDATE_ALREADY_CANCELLED", message: "the mandate is already cancelled" },
  FAILED: { reason: "MANDATE_FAILED", message: "the payer's bank rejected the mandate; it cannot change any more" },
  EXPIRED: { reason: "MANDATE_EXPIRED", message: "the mandate has expired" },
};

/**
 * payerAuthorisationRequired refuses to reactivate a closed mandate. The Direct Debit scheme lets a
 * service user collect only under an Instruction the payer authorised and that is still lodged: once
 * the payer or their bank cancelled it (ADDACS), the bank rejected it (AUDDIS), the organisation
 * cancelled it or it lapsed (dormancy), lodging it again from the stored details would collect
 * without the payer's authority. Only the organisation's own suspension is the organisation's to undo.
 */
const payerAuthorisationRequired: Refusal = {
  reason: "PAYER_AUTHORISATION_REQUIRED",
  message:
    "a cancelled, failed or expired mandate needs the payer's fresh authority: create a new mandate " +
    "with the same payer and reference (POST /v1/mandates) and the payer completes its invite",
};

/** States no action leaves: a new authority from the payer means a new mandate. */
export const closedStates: ReadonlySet<MandateStateName> = new Set(["CANCELLED", "FAILED", "EXPIRED"]);

/** planStep says where `action` takes a mandate in `state`, or why it cannot. */
export function planStep(state: MandateStateName, action: MandateAction): Step {
  switch (action) {
    case "complete":
    case "resendInvite":
      if (state === "PENDING_CUSTOMER_APPROVAL") return { to: action === "complete" ? "PENDING_SUBMISSION" : state };
      return refuse(
        "MANDATE_NOT_AWAITING_PAYER",
        "the payer has already completed the mandate's invite, or the mandate is closed",
      );
    case "submit":
      if (state === "PENDING_SUBMISSION") return { to: "SUBMITTED" };
      return refuse("MANDATE_NOT_PENDING_SUBMISSION", "only a mandate pending submission can be submitted");
    case "activate":
    case "fail":
      if (state === "SUBMITTED") return { to: action === "activate" ? "ACTIVE" : "FAILED" };
      return refuse(
        "MANDATE_NOT_SUBMITTED",
        "only a submitted mandate can be accepted or rejected by the payer's bank",
      );
    case "cancel": {
      const final = finalRefusals[state];
      return final ? { refusal: final } : { to: "CANCELLED" };
    }
    case "suspend":
      if (state === "ACTIVE") return { to: "SUSPENDED" };
      if (state === "SUSPENDED") return refuse("MANDATE_ALREADY_SUSPENDED", "the mandate is already suspended");
      return refuse("MANDATE_NOT_ACTIVE", "only an active mandate can be suspended");
    case "expire":
      if (state === "ACTIVE" || state === "SUSPENDED") return { to: "EXPIRED" };
      return refuse("MANDATE_NOT_ACTIVE", "only an active or suspended mandate can expire");
    case "transfer":
      // Only a lodged instruction that still stands can move with the payer's account: the bank
      // reports the move through ADDACS. Before acceptance a moved account comes back as an AUDDIS
      // rejection (codes 3, C: the mandate fails); a closed mandate has no instruction left to move.
      if (state === "ACTIVE" || state === "SUSPENDED") return { to: state };
      return refuse(
        "MANDATE_NOT_ACTIVE",
        "only an active or suspended mandate's instruction is held by a bank that can transfer it",
      );
    case "reactivate":
      if (state === "SUSPENDED") return { to: "ACTIVE" };
      if (closedStates.has(state)) return { refusal: payerAuthorisationRequired };
      if (state === "ACTIVE") return refuse("MANDATE_ALREADY_ACTIVE", "the mandate is already active");
      return refuse("MANDATE_SETUP_IN_PROGRESS", "the mandate is still being set up; there is nothing to reactivate");
  }
}
