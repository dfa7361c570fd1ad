/**
 * webhook.mapper.ts turns webhook endpoints and deliveries into their contract messages, and reads
 * event types back into the stored event names they stand for.
 */
import { create } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { NotificationType } from "../../../gen/dd/v1/alerts_pb.js";
import {
  type WebhookDelivery as WebhookDeliveryMessage,
  WebhookDeliverySchema,
  WebhookDeliveryState,
  type WebhookEndpoint as WebhookEndpointMessage,
  WebhookEndpointSchema,
  WebhookEndpointState,
} from "../../../gen/dd/v1/webhooks_pb.js";
import { InvalidArgumentError } from "../../modules/errors.js";
import {
  type WebhookDelivery,
  type WebhookDeliveryStateName,
  webhookDeliveryStates,
} from "../../modules/webhooks/webhook-delivery.entity.js";
import {
  type WebhookEndpoint,
  type WebhookEndpointStateName,
  webhookEndpointStates,
} from "../../modules/webhooks/webhook-endpoint.entity.js";
import { notificationTypes, publicTypeOf } from "../alerts/alert.mapper.js";
import { storedNameOf } from "../stored-name.js";

const time = (date: Date | null | undefined) => (date ? timestampFromDate(date) : undefined);

/** endpointToProto shows an endpoint as the contract does (never a secret). */
export function endpointToProto(endpoint: WebhookEndpoint, now: Date): WebhookEndpointMessage {
  const types = new Set(endpoint.eventTypes.map((t) => publicTypeOf(t)));
  return create(WebhookEndpointSchema, {
    id: endpoint.id,
    url: endpoint.url,
    eventTypes: [...types].filter((t) => t !== NotificationType.UNSPECIFIED).sort((a, b) => a - b),
    description: endpoint.description,
    state: WebhookEndpointState[endpoint.state],
    createTime: time(endpoint.createTime),
    updateTime: time(endpoint.updateTime),
    previousSecretExpireTime:
      endpoint.previousSecretExpireTime && endpoint.previousSecretExpireTime > now
        ? time(endpoint.previousSecretExpireTime)
        : undefined,
    failingSinceTime: time(endpoint.failingSinceTime),
  });
}

/** deliveryToProto shows a delivery as the contract does. */
export function deliveryToProto(delivery: WebhookDelivery): WebhookDeliveryMessage {
  return create(WebhookDeliverySchema, {
    id: delivery.id,
    webhookEndpointId: delivery.endpoint.id,
    eventId: delivery.event.id,
    eventType: publicTypeOf(delivery.eventType),
    state: WebhookDeliveryState[delivery.state],
    attemptCount: delivery.attempts,
    lastHttpStatus: delivery.lastHttpStatus ?? 0,
    lastError: delivery.lastError ?? "",
    lastLatency: delivery.lastLatencyMs == null ? undefined : durationFromMs(delivery.lastLatencyMs),
    nextAttemptTime: delivery.state === "PENDING" ? time(delivery.nextAttemptTime) : undefined,
    lastAttemptTime: time(delivery.lastAttemptTime),
    createTime: time(delivery.createTime),
  });
}

/** storedEventTypes reads requested event types as stored event names; an unknown one is INVALID_ARGUMENT. */
export function storedEventTypes(types: readonly NotificationType[]): string[] {
  return types.flatMap((type, index) => {
    const stored = notificationTypes[type];
    if (!stored) {
      throw InvalidArgumentError.field(
        `webhook_endpoint.event_types[${index}]`,
        "must be a NotificationType other than UNSPECIFIED",
      );
    }
    return stored;
  });
}

/** endpointStateFromProto reads a requested state; undefined for UNSPECIFIED or an unknown number. */
export function endpointStateFromProto(state: WebhookEndpointState): WebhookEndpointStateName | undefined {
  return storedNameOf(WebhookEndpointState, state, webhookEndpointStates);
}

/** deliveryStateFromProto reads a filter value; undefined for UNSPECIFIED or an unknown number. */
export function deliveryStateFromProto(state: WebhookDeliveryState): WebhookDeliveryStateName | undefined {
  return storedNameOf(WebhookDeliveryState, state, webhookDeliveryStates);
}
