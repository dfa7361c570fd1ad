import { defineEntity, type InferEntity } from "@mikro-orm/core";
import { tenantFilter } from "../../platform/db/tenant-filter.js";
import { ID_LENGTH } from "../../platform/ids.js";
import { Organisation } from "../identity/organisation.entity.js";
import { Mandate } from "../mandates/mandate.entity.js";
import { intervalUnits, scheduleStates } from "./collection-lifecycle.js";

const p = defineEntity.properties;

/**
 * CollectionSchedule is a recurring payment plan under one mandate (ids `CS…`, time-ordered, so
 * the newest-first list pages on the primary key). Its dates are calendar dates stored as
 * `YYYY-MM-DD` strings (Europe/London), never timestamps: a Bacs date has no time or zone.
 * `nextNominalDate` is the schedule date of the next collection still to create (before moving to
 * a working day); the materialiser finds due schedules through (state, next_nominal_date).
 */
export const CollectionSchedule = defineEntity({
  name: "CollectionSchedule",
  tableName: "collection_schedule",
  filters: { ...tenantFilter },
  properties: {
    id: p.string().primary().length(ID_LENGTH),
    organisation: p.manyToOne(Organisation).ref(),
    mandate: p.manyToOne(Mandate).ref(),
    /** Pence; 1 to maxAmountMinor (schedule-fields.ts). */
    amountMinor: p.bigint("number"),
    currency: p.string().length(3),
    intervalUnit: p.enum([...intervalUnits]),
    /** Units between collections, 1–12. */
    interval: p.integer(),
    /** Monthly: 1–28 or -1 (last day); weekly: 0. */
    dayOfMonth: p.integer(),
    startDate: p.string().length(10),
    endDate: p.string().length(10).nullable(),
    /** Total collections to create; null means no limit. */
    count: p.integer().nullable(),
    state: p.enum([...scheduleStates]),
    description: p.string().length(100),
    metadata: p.json<Record<string, string>>(),
    createdCollectionCount: p.integer().default(0),
    /** Schedule dates passed over without a collection (skipsInto); they do not count toward `count`. */
    skippedDateCount: p.integer().default(0),
    /** Null once CANCELLED or FINISHED. */
    nextNominalDate: p.string().length(10).nullable(),
    /** The Europe/London date the payer was sent notice of the schedule's current amount and dates. */
    noticeDate: p.string().length(10),
    /** Why it was cancelled (free text of the organisation or the mandate's closure). */
    cancelReason: p.string().length(600).nullable(),
    createTime: p.datetime(),
    updateTime: p.datetime(),
  },
  indexes: [
    { properties: ["organisation", "id"] },
    { properties: ["organisation", "mandate"] },
    { properties: ["state", "nextNominalDate"] },
  ],
});

/** CollectionSchedule is the entity type that the `CollectionSchedule` schema describes. */
export type CollectionSchedule = InferEntity<typeof CollectionSchedule>;
