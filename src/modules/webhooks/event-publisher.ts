/**
 * event-publisher.ts turns new feed entries into webhook deliveries. The notification feed is the
 * outbox: an entry is written in the transaction of the change it reports, flagged webhook_pending.
 * A publisher on any replica takes a batch of flagged entries (FOR UPDATE SKIP LOCKED, across
 * organisations), and in one transaction writes, for each entry some enabled endpoint of its
 * organisation subscribes to, the event's body once and a delivery per endpoint, then clears the
 * flags. Two replicas never publish one entry twice, and an entry is never lost between them.
 */
import { LockMode } from "@mikro-orm/core";
import type { EntityManager, MikroORM } from "@mikro-orm/postgresql";
import { acrossTenants } from "../../platform/db/tenant-session.js";
import { newId } from "../../platform/ids.js";
import { Notification } from "../notifications/notification.entity.js";
import { deliveryWindowMs } from "./retry-schedule.js";
import { WebhookDelivery } from "./webhook-delivery.entity.js";
import { WebhookEndpoint } from "./webhook-endpoint.entity.js";
import { WebhookEvent } from "./webhook-event.entity.js";

/**
 * EventRenderer writes the body of a feed entry's event (the proto3 JSON of a dd.v1.Event, id from
 * eventIdOf), reading what it reports through `em`; undefined for entries not published as events.
 */
export type EventRenderer = (em: EntityManager, notification: Notification) => Promise<string | undefined>;

/** eventIdOf is the id of a feed entry's event: the entry's own id with the prefix EV instead of NT. */
export function eventIdOf(notificationId: string): string {
  return `EV${notificationId.slice(2)}`;
}

/** publishPending publishes one batch of flagged feed entries; it returns how many it took. */
export function publishPending(orm: MikroORM, render: EventRenderer, now: Date, batchSize: number): Promise<number> {
  return acrossTenants(orm, "webhook delivery", async (tx) => {
    const pending = await tx.find(
      Notification,
      { webhookPending: true },
      { filters: false, lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE, orderBy: { id: "asc" }, limit: batchSize },
    );
    if (pending.length === 0) return 0;
    const organisations = [...new Set(pending.map((n) => n.organisation.id))];
    const endpoints = await tx.find(
      WebhookEndpoint,
      { organisation: { $in: organisations }, state: "ENABLED" },
      { filters: false, fields: ["id", "organisation", "eventTypes"] },
    );
    for (const notification of pending) {
      notification.webhookPending = false;
      const subscribed = endpoints.filter(
        (e) => e.organisation.id === notification.organisation.id && e.eventTypes.includes(notification.type),
      );
      if (subscribed.length === 0) continue;
      const body = await render(tx, notification);
      if (body === undefined) continue;
      const event = tx.create(WebhookEvent, {
        id: eventIdOf(notification.id),
        organisation: notification.organisation,
        type: notification.type,
        body,
        createTime: notification.createTime,
      });
      for (const endpoint of subscribed) {
        tx.create(WebhookDelivery, {
          id: newId("WD", now.getTime()),
          organisation: notification.organisation,
          endpoint: endpoint.id,
          event,
          eventType: notification.type,
          state: "PENDING",
          attempts: 0,
          nextAttemptTime: now,
          giveUpTime: new Date(now.getTime() + deliveryWindowMs),
          lastAttemptTime: null,
          lastHttpStatus: null,
          lastError: null,
          lastLatencyMs: null,
          createTime: now,
        });
      }
    }
    return pending.length;
  });
}
