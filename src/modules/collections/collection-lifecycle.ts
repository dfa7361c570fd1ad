/**
 * collection-lifecycle.ts names the states of collection schedules and collections as data (the
 * enum names of the contract without their prefixes), and which collection steps are allowed, so
 * the service, the processor and the sandbox share one reading of the Bacs payment life cycle.
 */

/** scheduleStates: ACTIVE → CANCELLED | FINISHED (both final); ACTIVE ⇄ PAUSED → CANCELLED. */
export const scheduleStates = ["ACTIVE", "CANCELLED", "FINISHED", "PAUSED"] as const;
/** ScheduleStateName is where a collection schedule is in its life. */
export type ScheduleStateName = (typeof scheduleStates)[number];

/** intervalUnits are a schedule's period units (IntervalUnit without prefix). */
export const intervalUnits = ["WEEKLY", "MONTHLY"] as const;
/** IntervalUnitName is WEEKLY or MONTHLY. */
export type IntervalUnitName = (typeof intervalUnits)[number];

/** collectionStates are the stored collection states (CollectionState without prefix). */
export const collectionStates = [
  "PENDING_SUBMISSION",
  "SUBMITTED",
  "CONFIRMED",
  "PAID_OUT",
  "FAILED",
  "CHARGED_BACK",
  "CANCELLED",
] as const;
/** CollectionStateName is where a collection is in Bacs processing. */
export type CollectionStateName = (typeof collectionStates)[number];

/**
 * collectionSteps lists, per state, the states a collection may move to (the contract's enum
 * comment): the Bacs cycle, an ARUDD return (also late, after confirmation or pay-out), a DDICA
 * charge-back of a paid-out collection, cancellation before submission, and a re-presentation.
 */
export const collectionSteps: Readonly<Record<CollectionStateName, readonly CollectionStateName[]>> = {
  PENDING_SUBMISSION: ["SUBMITTED", "CANCELLED"],
  SUBMITTED: ["CONFIRMED", "FAILED"],
  CONFIRMED: ["PAID_OUT", "FAILED"],
  PAID_OUT: ["FAILED", "CHARGED_BACK"],
  // Presented again (RetryCollection: reason code 0 only, within the scheme's limits).
  FAILED: ["PENDING_SUBMISSION"],
  CHARGED_BACK: [],
  CANCELLED: [],
};

/** canMoveCollection says whether a collection in `from` may move to `to`. */
export function canMoveCollection(from: CollectionStateName, to: CollectionStateName): boolean {
  return collectionSteps[from].includes(to);
}

/**
 * Mandate states a new schedule is refused in (CreateCollectionSchedule's comment in the
 * contract): the mandate can never collect again. Every other state may take a schedule; in
 * SUSPENDED the collections wait (the processor does not submit them), and in the set-up states
 * the first charge date leaves room for the set-up (schedule-plan.ts).
 */
export const mandateStatesRefusingSchedules: ReadonlySet<string> = new Set(["CANCELLED", "FAILED", "EXPIRED"]);

/**
 * mandateCollects says whether collections are created under a mandate in `state` now: not when it
 * can never collect again, nor while SUSPENDED (its collections wait).
 */
export function mandateCollects(state: string): boolean {
  return state !== "SUSPENDED" && !mandateStatesRefusingSchedules.has(state);
}

/** Mandate states on their way to ACTIVE: a collection due meanwhile waits for them. */
const settingUpStates: ReadonlySet<string> = new Set(["PENDING_CUSTOMER_APPROVAL", "PENDING_SUBMISSION", "SUBMITTED"]);

/** mandateSettingUp says whether a mandate in `state` is still being set up (the payer or their bank has yet to answer). */
export function mandateSettingUp(state: string): boolean {
  return settingUpStates.has(state);
}
