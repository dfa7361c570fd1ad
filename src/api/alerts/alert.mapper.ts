/**
 * alert.mapper.ts turns alerts, thresholds and notifications into their contract messages, and
 * reads the contract's enums back into stored names.
 */
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  type Alert as AlertMessage,
  AlertSchema,
  AlertState,
  type AlertThreshold as AlertThresholdMessage,
  AlertThresholdSchema,
  AlertType,
  type Notification as NotificationMessage,
  NotificationSchema,
  NotificationType,
} from "../../../gen/dd/v1/alerts_pb.js";
import type { Alert } from "../../modules/alerts/alert.entity.js";
import type { AlertThreshold } from "../../modules/alerts/alert-threshold.entity.js";
import { type AlertStateName, type AlertTypeName, alertStates, alertTypes } from "../../modules/alerts/alert-types.js";
import { collectionRetriedType } from "../../modules/collections/retry.js";
import type { Notification } from "../../modules/notifications/notification.entity.js";
import { payerNoticeTypes } from "../../modules/payer-notices/payer-notices.js";
import { storedNameOf } from "../stored-name.js";

const time = (date: Date | null | undefined) => (date ? timestampFromDate(date) : undefined);

/** alertToProto shows an alert as the contract does. */
export function alertToProto(alert: Alert): AlertMessage {
  return create(AlertSchema, {
    id: alert.id,
    type: AlertType[alert.type],
    state: AlertState[alert.state],
    thresholdId: alert.threshold.id,
    message: alert.message,
    observedValue: alert.observedValue,
    thresholdValue: alert.thresholdValue,
    windowStartTime: time(alert.windowStartTime),
    windowEndTime: time(alert.windowEndTime),
    collectionId: alert.collection?.id ?? "",
    createTime: time(alert.createTime),
    acknowledgeTime: time(alert.acknowledgeTime),
    acknowledgedBy: alert.acknowledgedBy ?? "",
    acknowledgeNote: alert.acknowledgeNote ?? "",
    resolveTime: time(alert.resolveTime),
    resolvedBy: alert.resolvedBy ?? "",
    resolveNote: alert.resolveNote ?? "",
    updateTime: time(alert.updateTime),
  });
}

/** thresholdToProto shows a threshold, every parameter included (the type says which apply). */
export function thresholdToProto(threshold: AlertThreshold): AlertThresholdMessage {
  return create(AlertThresholdSchema, {
    id: threshold.id,
    type: AlertType[threshold.type],
    enabled: threshold.enabled,
    failureRatePercent: threshold.failureRatePercent,
    minSampleSize: threshold.minSampleSize,
    count: threshold.count,
    window: { seconds: BigInt(threshold.windowSeconds), nanos: 0 },
    minAmountMinor: BigInt(threshold.minAmountMinor),
    updateTime: time(threshold.updateTime),
    updatedBy: threshold.updatedBy ?? "",
  });
}

/**
 * notificationTypes maps the feed's public types to the stored event names (notification.entity.ts).
 * Stored events without a public type (collection.created, collection.submitted, …) are not listed.
 */
export const notificationTypes: Readonly<Partial<Record<NotificationType, readonly string[]>>> = {
  [NotificationType.MANDATE_ACTIVATED]: ["mandate.active"],
  [NotificationType.MANDATE_FAILED]: ["mandate.failed"],
  [NotificationType.MANDATE_CANCELLED]: ["mandate.cancelled"],
  [NotificationType.MANDATE_EXPIRED]: ["mandate.expired"],
  [NotificationType.MANDATE_SUSPENDED]: ["mandate.suspended"],
  // Reactivated: SUSPENDED → ACTIVE. Feeds written before reactivation needed the payer's authority
  // (issue 13) also hold closed mandates lodged again, as "mandate.resubmission_requested".
  [NotificationType.MANDATE_REACTIVATED]: ["mandate.reactivated", "mandate.resubmission_requested"],
  [NotificationType.COLLECTION_PAID_OUT]: ["collection.paid_out"],
  [NotificationType.COLLECTION_FAILED]: ["collection.failed"],
  [NotificationType.COLLECTION_CHARGED_BACK]: ["collection.charged_back"],
  [NotificationType.COLLECTION_CANCELLED]: ["collection.cancelled"],
  [NotificationType.COLLECTION_RETRIED]: [collectionRetriedType],
  [NotificationType.ALERT_RAISED]: ["alert.raised"],
  [NotificationType.MANDATE_TRANSFERRED]: ["mandate.transferred"],
  [NotificationType.INSTRUCTION_CONFIRMATION]: [payerNoticeTypes.confirmation],
  [NotificationType.ADVANCE_NOTICE]: [payerNoticeTypes.advance],
  [NotificationType.CANCELLATION_NOTICE]: [payerNoticeTypes.cancellation],
  [NotificationType.MANDATE_CREATED]: ["mandate.created"],
};

const publicTypes = new Map<string, NotificationType>(
  Object.entries(notificationTypes).flatMap(([type, stored]) =>
    stored!.map((name) => [name, Number(type) as NotificationType] as const),
  ),
);

/** publicTypeOf is the public type of a stored event name; UNSPECIFIED for one the feed does not show. */
export function publicTypeOf(stored: string): NotificationType {
  return publicTypes.get(stored) ?? NotificationType.UNSPECIFIED;
}

/** publishedTypes are every stored event name the feed shows (and webhooks deliver). */
export const publishedTypes: readonly string[] = [...publicTypes.keys()].sort();

/** notificationToProto shows a feed entry as the contract does. */
export function notificationToProto(notification: Notification): NotificationMessage {
  return create(NotificationSchema, {
    id: notification.id,
    type: publicTypeOf(notification.type),
    mandateId: notification.mandateId ?? "",
    collectionId: notification.collectionId ?? "",
    alertId: notification.alertId ?? "",
    reasonCode: notification.reasonCode ?? "",
    message: notification.message,
    createTime: time(notification.createTime),
  });
}

/** alertStateFromProto reads a filter value; undefined for UNSPECIFIED or an unknown number. */
export function alertStateFromProto(state: AlertState): AlertStateName | undefined {
  return storedNameOf(AlertState, state, alertStates);
}

/** alertTypeFromProto reads a filter value; undefined for UNSPECIFIED or an unknown number. */
export function alertTypeFromProto(type: AlertType): AlertTypeName | undefined {
  return storedNameOf(AlertType, type, alertTypes);
}
