/**
 * notifications.ts adds events to an organisation's notification feed. Rows join the caller's unit
 * of work, so they are written by the same flush (and transaction) as the change they announce:
 * the feed is also the outbox from which webhooks publish them.
 */
import type { EntityManager } from "@mikro-orm/postgresql";
import { newId } from "../../platform/ids.js";
import { Notification } from "./notification.entity.js";

/** NotificationEntry is one event to add to the feed. */
export interface NotificationEntry {
  organisationId: string;
  type: string;
  resourceType: string;
  resourceId: string;
  /** The mandate concerned: of a mandate notification (its resource), or of a collection or schedule. */
  mandateId: string | null;
  collectionId?: string | null | undefined;
  alertId?: string | null | undefined;
  reasonCode?: string | null | undefined;
  message: string;
  time: Date;
}

/** recordNotification adds an event to the EntityManager's unit of work; the caller's flush writes it. */
export function recordNotification(em: EntityManager, entry: NotificationEntry): Notification {
  return em.create(Notification, {
    id: newId("NT", entry.time.getTime()),
    organisation: entry.organisationId,
    type: entry.type,
    resourceType: entry.resourceType,
    resourceId: entry.resourceId,
    mandateId: entry.mandateId,
    collectionId: entry.collectionId ?? null,
    alertId: entry.alertId ?? null,
    reasonCode: entry.reasonCode ?? null,
    message: entry.message.slice(0, 1000),
    createTime: entry.time,
    webhookPending: true,
  });
}
