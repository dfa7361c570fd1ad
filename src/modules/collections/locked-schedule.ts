/**
 * locked-schedule.ts takes a collection schedule for a change, with its mandate, both locked.
 */
import type { EntityManager } from "@mikro-orm/postgresql";
import { lockForChange } from "../../platform/db/lock-for-change.js";
import { NotFoundError } from "../errors.js";
import { lockMandate } from "../mandates/locked-mandate.js";
import type { Mandate } from "../mandates/mandate.entity.js";
import { CollectionSchedule } from "./collection-schedule.entity.js";

/**
 * lockScheduleAndMandate loads the schedule and its mandate locked, the mandate first: closing a
 * mandate locks it and then its schedules, so taking them in that order cannot deadlock with it,
 * nor, as the mandate's lock lets foreign key checks through (findLockedMandate), with the
 * materialiser inserting a collection under the schedule it holds.
 */
export async function lockScheduleAndMandate(
  em: EntityManager,
  id: string,
): Promise<{ schedule: CollectionSchedule; mandate: Mandate }> {
  const found = await em.findOne(CollectionSchedule, { id }, { fields: ["id", "mandate"] });
  if (!found) throw new NotFoundError("collection schedule", id);
  const mandate = await lockMandate(em, found.mandate.id);
  const schedule = await em.findOneOrFail(CollectionSchedule, { id }, { ...lockForChange(), refresh: true });
  return { schedule, mandate };
}
