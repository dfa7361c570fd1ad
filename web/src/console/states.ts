/** states.ts names enum values as people read them: MANDATE_STATE_PENDING_SUBMISSION → "Pending submission". */
import { NotificationType } from "../../../gen/dd/v1/alerts_pb.js";
import { CollectionScheduleState } from "../../../gen/dd/v1/collections_pb.js";
import { MandateState } from "../../../gen/dd/v1/mandates_pb.js";

/** enumLabel turns an enum key (PENDING_SUBMISSION) into words. */
export function enumLabel(key: string | undefined): string {
  if (!key) return "Unknown";
  const words = key.toLowerCase().replaceAll("_", " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function mandateStateName(state: MandateState): string {
  return enumLabel(MandateState[state]);
}

/** scheduleStateName: "Active", "Paused", "Cancelled", "Finished". */
export function scheduleStateName(state: CollectionScheduleState): string {
  return enumLabel(CollectionScheduleState[state]);
}

/** notificationTypeName is an event type in words: "Mandate created", "Collection paid out". */
export function notificationTypeName(type: NotificationType): string {
  return enumLabel(NotificationType[type]);
}
