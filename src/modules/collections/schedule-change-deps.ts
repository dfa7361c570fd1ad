/**
 * schedule-change-deps.ts is what the writes of a live schedule (schedule-changes.ts,
 * schedule-pause.ts) need from their manager (collection.service.ts).
 */
import type { EntityManager } from "@mikro-orm/postgresql";
import type { Clock } from "../../platform/clock.js";
import type { CollectionSchedule } from "./collection-schedule.entity.js";
import type { ScheduleNoticeHook } from "./schedule-notice.js";

/** ScheduleChangeDeps are what the schedule writes need from their manager. */
export interface ScheduleChangeDeps<View> {
  clock: Clock;
  onScheduleNotice?: ScheduleNoticeHook | undefined;
  /**
   * show turns the changed schedule into the answer, in the transaction. A write passes the notice
   * period it computed with, so that the answer's next charge date is the one its notice names (the
   * cached period may be seconds older).
   */
  show: (em: EntityManager, schedule: CollectionSchedule, noticeWorkingDays?: number) => Promise<View>;
}
