/**
 * moved-collection.ts names a collection moved to a later charge date (or not taken after all)
 * and why, as the payer must be told of it: by postponement (postpone.ts) or when a schedule's
 * date is created too late for its day (materialise.ts).
 */
import type { EntityManager } from "@mikro-orm/postgresql";
import type { IsoDate } from "../calendar/plain-date.js";
import type { Collection } from "./collection.entity.js";

/**
 * PostponeReason is why a collection moves later: its mandate was still being set up on its Bacs
 * input day, its payer had not been sent notice of it in time, or it was created too late for its
 * schedule's date (materialise.ts: after a suspension, or a stop of processing).
 */
export type PostponeReason = "MANDATE_SETTING_UP" | "NOTICE_NOT_SENT" | "CREATED_LATE";

/** MovedCollection is a collection just moved to a later charge date (or cancelled instead), the date it had, and why. */
export interface MovedCollection {
  collection: Collection;
  from: IsoDate;
  reason: PostponeReason;
}

/**
 * CollectionMovedHook gives the payer notice of a moved collection (or of one not taken after all),
 * in the transaction that moved it; wired in app.ts to the payer notices.
 */
export type CollectionMovedHook = (em: EntityManager, moved: MovedCollection, now: Date) => Promise<void>;
