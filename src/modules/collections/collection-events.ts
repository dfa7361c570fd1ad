/**
 * collection-events.ts adds events about a collection or a collection schedule to its
 * organisation's notification feed, in the caller's unit of work, so each event names its
 * resource and mandate the same way wherever it happens.
 */
import type { EntityManager } from "@mikro-orm/postgresql";
import { recordNotification } from "../notifications/notifications.js";
import type { Collection } from "./collection.entity.js";
import type { CollectionSchedule } from "./collection-schedule.entity.js";

/** CollectionEvent is what happened: the notification type, a sentence, and the Bacs reason code if one caused it. */
export interface CollectionEvent {
  type: string;
  message: string;
  reasonCode?: string | null | undefined;
}

/** recordCollectionEvent adds `event` about `collection` to the feed at `now`. */
export function recordCollectionEvent(
  em: EntityManager,
  collection: Collection,
  event: CollectionEvent,
  now: Date,
): void {
  recordNotification(em, {
    ...event,
    organisationId: collection.organisation.id,
    resourceType: "collection",
    resourceId: collection.id,
    mandateId: collection.mandate.id,
    collectionId: collection.id,
    time: now,
  });
}

/** recordScheduleEvent adds `event` about `schedule` to the feed at `now`. */
export function recordScheduleEvent(
  em: EntityManager,
  schedule: CollectionSchedule,
  event: CollectionEvent,
  now: Date,
): void {
  recordNotification(em, {
    ...event,
    organisationId: schedule.organisation.id,
    resourceType: "collection_schedule",
    resourceId: schedule.id,
    mandateId: schedule.mandate.id,
    time: now,
  });
}
