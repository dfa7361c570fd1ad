import { defineEntity, type InferEntity } from "@mikro-orm/core";
import { tenantFilter } from "../../platform/db/tenant-filter.js";
import { ID_LENGTH } from "../../platform/ids.js";
import { Organisation } from "../identity/organisation.entity.js";

const p = defineEntity.properties;

/** webhookEndpointStates: ENABLED ⇄ DISABLED (by an admin, or after 3 days of failed deliveries). */
export const webhookEndpointStates = ["ENABLED", "DISABLED"] as const;
/** WebhookEndpointStateName is a WebhookEndpointState without its prefix. */
export type WebhookEndpointStateName = (typeof webhookEndpointStates)[number];

/**
 * WebhookEndpoint is a URL of an organisation's that receives its events (ids `WE…`). Its signing
 * secrets are sealed (platform/secret-cipher.ts, bound to the endpoint's id): the service signs
 * with them, so a hash would not do. During a rotation's grace period the previous secret signs too.
 */
export const WebhookEndpoint = defineEntity({
  name: "WebhookEndpoint",
  tableName: "webhook_endpoint",
  filters: { ...tenantFilter },
  properties: {
    id: p.string().primary().length(ID_LENGTH),
    organisation: p.manyToOne(Organisation).ref(),
    url: p.string().length(2048),
    description: p.string().length(200),
    /** Stored event names (notification.entity.ts) delivered to it. */
    eventTypes: p.array(),
    state: p.enum([...webhookEndpointStates]),
    secret: p.text(),
    previousSecret: p.text().nullable(),
    previousSecretExpireTime: p.datetime().nullable(),
    /** Since when every attempt has failed; null while it answers. */
    failingSinceTime: p.datetime().nullable(),
    createTime: p.datetime(),
    updateTime: p.datetime(),
  },
  indexes: [{ properties: ["organisation", "id"] }],
});

/** WebhookEndpoint is the entity type that the `WebhookEndpoint` schema describes. */
export type WebhookEndpoint = InferEntity<typeof WebhookEndpoint>;
