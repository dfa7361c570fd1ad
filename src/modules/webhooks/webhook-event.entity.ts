import { defineEntity, type InferEntity } from "@mikro-orm/core";
import { tenantFilter } from "../../platform/db/tenant-filter.js";
import { ID_LENGTH } from "../../platform/ids.js";
import { Organisation } from "../identity/organisation.entity.js";

const p = defineEntity.properties;

/**
 * WebhookEvent is one event as delivered (ids `EV…`, the feed entry's id with another prefix): its
 * body is written once, when the event is published, so every attempt to every endpoint sends the
 * same bytes. Only events with at least one subscribed endpoint are stored.
 */
export const WebhookEvent = defineEntity({
  name: "WebhookEvent",
  tableName: "webhook_event",
  filters: { ...tenantFilter },
  properties: {
    id: p.string().primary().length(ID_LENGTH),
    organisation: p.manyToOne(Organisation).ref(),
    /** The stored event name (notification.entity.ts). */
    type: p.string().length(100),
    /** The proto3 JSON of a dd.v1.Event. */
    body: p.text(),
    createTime: p.datetime(),
  },
  indexes: [{ properties: ["organisation", "id"] }],
});

/** WebhookEvent is the entity type that the `WebhookEvent` schema describes. */
export type WebhookEvent = InferEntity<typeof WebhookEvent>;
