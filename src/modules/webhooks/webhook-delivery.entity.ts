import { defineEntity, type InferEntity } from "@mikro-orm/core";
import { tenantFilter } from "../../platform/db/tenant-filter.js";
import { ID_LENGTH } from "../../platform/ids.js";
import { Organisation } from "../identity/organisation.entity.js";
import { WebhookEndpoint } from "./webhook-endpoint.entity.js";
import { WebhookEvent } from "./webhook-event.entity.js";

const p = defineEntity.properties;

/** webhookDeliveryStates: PENDING → SUCCEEDED, or FAILED after 3 days (RetryWebhookDelivery: PENDING again). */
export const webhookDeliveryStates = ["PENDING", "SUCCEEDED", "FAILED"] as const;
/** WebhookDeliveryStateName is a WebhookDeliveryState without its prefix. */
export type WebhookDeliveryStateName = (typeof webhookDeliveryStates)[number];

/**
 * WebhookDelivery is one event's delivery to one endpoint (ids `WD…`). A worker claims a due one by
 * moving its next_attempt_time a lease ahead (webhook-dispatcher.ts): a replica that dies mid-attempt
 * leaves it due again when the lease runs out, and another replica sends it.
 */
export const WebhookDelivery = defineEntity({
  name: "WebhookDelivery",
  tableName: "webhook_delivery",
  filters: { ...tenantFilter },
  properties: {
    id: p.string().primary().length(ID_LENGTH),
    organisation: p.manyToOne(Organisation).ref(),
    endpoint: p.manyToOne(WebhookEndpoint).ref().deleteRule("cascade"),
    event: p.manyToOne(WebhookEvent).ref(),
    /** The event's stored name, for the list without a join. */
    eventType: p.string().length(100),
    state: p.enum([...webhookDeliveryStates]),
    attempts: p.integer().default(0),
    /** When a PENDING delivery is due, or until when a worker holds it. */
    nextAttemptTime: p.datetime(),
    /** After this, a failed attempt fails the delivery: 3 days from its creation (or its manual retry). */
    giveUpTime: p.datetime(),
    lastAttemptTime: p.datetime().nullable(),
    lastHttpStatus: p.integer().nullable(),
    lastError: p.string().length(500).nullable(),
    lastLatencyMs: p.integer().nullable(),
    createTime: p.datetime(),
  },
  indexes: [
    { properties: ["organisation", "endpoint", "id"] },
    // The workers' scan: pending deliveries by when they are due.
    { properties: ["state", "nextAttemptTime"] },
  ],
});

/** WebhookDelivery is the entity type that the `WebhookDelivery` schema describes. */
export type WebhookDelivery = InferEntity<typeof WebhookDelivery>;
