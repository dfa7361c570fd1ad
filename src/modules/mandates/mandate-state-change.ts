/**
 * mandate-state-change.ts moves a loaded mandate to a new state and records the change: on the row
 * (last state change: previous state, cause, reason code, description, time) and as a notification
 * in the same unit of work, so the feed and the mandate never disagree.
 */
import type { EntityManager } from "@mikro-orm/postgresql";
import { recordNotification } from "../notifications/notifications.js";
import type { Mandate } from "./mandate.entity.js";
import type { MandateCauseName, MandateStateName } from "./mandate-lifecycle.js";

/** StateChange says who or what caused a change, and why. */
export interface StateChange {
  cause: MandateCauseName;
  /** Bacs reason code (AUDDIS, ADDACS) when a Bacs report caused the change. */
  reasonCode?: string | null | undefined;
  /** One sentence in English: the reason code's meaning or the organisation's free-text reason. */
  description: string;
}

/** applyStateChange sets the state and adds the notification `type` (e.g. "mandate.cancelled"). */
export function applyStateChange(
  em: EntityManager,
  mandate: Mandate,
  to: MandateStateName,
  change: StateChange,
  type: string,
  now: Date,
): void {
  mandate.lastChangePreviousState = mandate.state;
  mandate.state = to;
  mandate.lastChangeCause = change.cause;
  mandate.lastChangeReasonCode = change.reasonCode || null;
  mandate.lastChangeDescription = change.description.slice(0, 600);
  mandate.lastChangeTime = now;
  mandate.updateTime = now;
  recordNotification(em, {
    organisationId: mandate.organisation.id,
    type,
    resourceType: "mandate",
    resourceId: mandate.id,
    mandateId: mandate.id,
    reasonCode: change.reasonCode,
    message: `Mandate ${mandate.id} (reference ${mandate.reference}) is now ${to.toLowerCase().replace(/_/g, " ")}: ${change.description}`,
    time: now,
  });
}

/** notificationType names the event a step is, for the feed: GoCardless-like "mandate.<event>". */
export function notificationType(from: MandateStateName, to: MandateStateName): string {
  if (to === "PENDING_SUBMISSION") return "mandate.completed_by_payer";
  if (to === "ACTIVE") return from === "SUSPENDED" ? "mandate.reactivated" : "mandate.active";
  return `mandate.${to.toLowerCase()}`;
}
