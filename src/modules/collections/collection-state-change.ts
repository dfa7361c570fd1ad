/**
 * collection-state-change.ts moves a loaded collection to a new state and records the change as a
 * notification in the same unit of work, so the feed and the collection never disagree. Bacs
 * processing and the sandbox use it too: it refuses steps the life cycle does not have.
 */
import type { EntityManager } from "@mikro-orm/postgresql";
import type { Collection } from "./collection.entity.js";
import { recordCollectionEvent } from "./collection-events.js";
import { type CollectionStateName, canMoveCollection } from "./collection-lifecycle.js";

/** CollectionChange says why a collection changed: a Bacs reason code (ARUDD, DDICA) and a sentence. */
export interface CollectionChange {
  reasonCode?: string | null | undefined;
  description: string;
  /** The notification's type when not `collection.<new state>`: a re-presentation is "collection.retried". */
  eventType?: string | undefined;
}

const words = (state: string) => state.toLowerCase().replace(/_/g, " ");

/**
 * applyCollectionStateChange sets the state (and paid_out_time on PAID_OUT, which stays set after a
 * late failure or charge-back) and adds the notification `collection.<new state>` (or the change's
 * eventType). It throws a RangeError for a step the life cycle does not allow: callers check with
 * canMoveCollection first.
 */
export function applyCollectionStateChange(
  em: EntityManager,
  collection: Collection,
  to: CollectionStateName,
  change: CollectionChange,
  now: Date,
): void {
  if (!canMoveCollection(collection.state, to))
    throw new RangeError(`collection ${collection.id} cannot move from ${collection.state} to ${to}`);
  collection.state = to;
  collection.reasonCode = change.reasonCode || null;
  if (to === "PAID_OUT") collection.paidOutTime = now;
  collection.stateChangeTime = now;
  collection.updateTime = now;
  const message = `Collection ${collection.id} of ${pounds(collection.amountMinor)} charged ${collection.chargeDate} is now ${words(to)}: ${change.description}`;
  recordCollectionEvent(
    em,
    collection,
    { type: change.eventType ?? `collection.${to.toLowerCase()}`, message, reasonCode: change.reasonCode },
    now,
  );
}

/** recordCollectionCreated adds the notification of a new collection to the unit of work. */
export function recordCollectionCreated(em: EntityManager, collection: Collection, now: Date): void {
  const message = `Collection ${collection.id} of ${pounds(collection.amountMinor)} created, to be charged ${collection.chargeDate}`;
  recordCollectionEvent(em, collection, { type: "collection.created", message }, now);
}

/** pounds writes pence as "£12.34" for people. */
export function pounds(amountMinor: number): string {
  return `£${Math.floor(amountMinor / 100)}.${String(amountMinor % 100).padStart(2, "0")}`;
}
