/**
 * schedule-notice.ts is the notice a payer is given of a live schedule's terms in force when they
 * change (schedule-changes.ts) or it resumes (schedule-pause.ts), and the hook that gives it.
 */
import type { EntityManager } from "@mikro-orm/postgresql";
import type { IsoDate } from "../calendar/plain-date.js";
import type { Organisation } from "../identity/organisation.entity.js";
import type { Mandate } from "../mandates/mandate.entity.js";
import type { CollectionSchedule } from "./collection-schedule.entity.js";

/**
 * ScheduleNotice is what a payer is told when a schedule's terms change or it resumes: the terms now
 * in force and the first charge date they apply to (null when none is left to charge, or the
 * schedule is paused and the date is not known yet).
 */
export interface ScheduleNotice {
  kind: "changed" | "resumed";
  schedule: CollectionSchedule;
  mandate: Mandate;
  organisation: Organisation;
  firstChargeDate: IsoDate | null;
  /** The first collection at those terms, when it exists already. */
  firstCollectionId: string | null;
  /** The amount before the change, when the change set a different one. */
  previousAmountMinor: number | null;
  endDateChanged: boolean;
}

/**
 * ScheduleNoticeHook gives the payer notice of a schedule's new terms in the transaction that sets
 * them (or, when the organisation sends its own, tells it to). A throw undoes the change.
 */
export type ScheduleNoticeHook = (em: EntityManager, notice: ScheduleNotice, now: Date) => Promise<void>;
