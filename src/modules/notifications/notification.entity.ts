import { defineEntity, type InferEntity } from "@mikro-orm/core";
import { tenantFilter } from "../../platform/db/tenant-filter.js";
import { ID_LENGTH } from "../../platform/ids.js";
import { Organisation } from "../identity/organisation.entity.js";

const p = defineEntity.properties;

/**
 * Notification is one event in an organisation's feed (ids `NT…`, time-ordered): a mandate changed
 * state, a collection failed… Rows are written in the same flush as the change they describe, so
 * the feed never shows a change that did not happen nor misses one that did. AlertService's
 * ListNotifications pages through them newest first on (organisation_id, id), or on
 * (organisation_id, mandate_id, id) for one mandate, or (organisation_id, type, id) for one type. The resource ids are plain columns, not
 * foreign keys: the feed is a log of what happened.
 */
export const Notification = defineEntity({
  name: "Notification",
  tableName: "notification",
  filters: { ...tenantFilter },
  properties: {
    id: p.string().primary().length(ID_LENGTH),
    organisation: p.manyToOne(Organisation).ref(),
    /** What happened, `<resource>.<event>`: `mandate.created`, `mandate.cancelled`… */
    type: p.string().length(100),
    /** The kind of resource it happened to: `mandate`, `collection`… */
    resourceType: p.string().length(40),
    resourceId: p.string().length(ID_LENGTH),
    /** The mandate concerned (of a collection's notification too), for ListNotifications' mandate filter. */
    mandateId: p.string().length(ID_LENGTH).nullable(),
    collectionId: p.string().length(ID_LENGTH).nullable(),
    alertId: p.string().length(ID_LENGTH).nullable(),
    /** The Bacs reason code behind it (AUDDIS, ADDACS, ARUDD, DDICA), when there is one. */
    reasonCode: p.string().length(20).nullable(),
    /** One sentence for people, in English. */
    message: p.string().length(1000),
    createTime: p.datetime(),
    /**
     * Not yet published to webhooks: the event publisher (modules/webhooks) takes these rows across
     * organisations, stores the deliveries they make, and clears the flag in one transaction.
     */
    webhookPending: p.boolean().default(false),
  },
  indexes: [
    { properties: ["organisation", "id"] },
    { properties: ["organisation", "mandateId", "id"] },
    // A filter by a rare type (alert.raised) finds its rows without walking the whole feed.
    { properties: ["organisation", "type", "id"] },
    {
      name: "notification_webhook_pending_index",
      expression: `create index "notification_webhook_pending_index" on "notification" ("id") where "webhook_pending"`,
    },
  ],
});

/** Notification is the entity type that the `Notification` schema describes. */
export type Notification = InferEntity<typeof Notification>;
