/**
 * alert-types.ts names alert types and states as data (the contract's enum names without their
 * prefixes), so entities, the evaluator and the mapper share one list.
 */

/** alertTypes: what a threshold (and the alerts it raises) watches, in AlertType order. */
export const alertTypes = [
  "COLLECTION_FAILURE_RATE",
  "CLAWBACKS",
  "MANDATE_CANCELLATIONS",
  "COLLECTION_FAILED",
  "WEBHOOK_ENDPOINT_DISABLED",
] as const;
/** AlertTypeName is an AlertType without its prefix. */
export type AlertTypeName = (typeof alertTypes)[number];

/** alertStates: OPEN → ACKNOWLEDGED → RESOLVED, or OPEN → RESOLVED. */
export const alertStates = ["OPEN", "ACKNOWLEDGED", "RESOLVED"] as const;
/** AlertStateName is an AlertState without its prefix. */
export type AlertStateName = (typeof alertStates)[number];
