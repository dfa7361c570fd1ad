import { defineEntity, type InferEntity } from "@mikro-orm/core";
import { tenantFilter } from "../../platform/db/tenant-filter.js";
import { ID_LENGTH } from "../../platform/ids.js";
import { Collection } from "../collections/collection.entity.js";
import { Organisation } from "../identity/organisation.entity.js";
import { AlertThreshold } from "./alert-threshold.entity.js";
import { alertStates, alertTypes } from "./alert-types.js";

const p = defineEntity.properties;

/**
 * Alert is raised when a threshold is crossed (ids `AL…`, time-ordered: lists page newest first on
 * (organisation_id, id)). Two partial unique indexes are the database's own guarantee behind "one
 * open alert per condition": at most one unresolved alert per window threshold, and at most one
 * unresolved alert per failed collection (a collection presented again can fail again). The
 * evaluator locks the threshold row first, so they never fire in normal operation; they are the
 * second wall.
 */
export const Alert = defineEntity({
  name: "Alert",
  tableName: "alert",
  filters: { ...tenantFilter },
  properties: {
    id: p.string().primary().length(ID_LENGTH),
    organisation: p.manyToOne(Organisation).ref(),
    type: p.enum([...alertTypes]),
    state: p.enum([...alertStates]),
    threshold: p.manyToOne(AlertThreshold).ref(),
    message: p.string().length(1000),
    observedValue: p.double().$type<number>().runtimeType("number"),
    thresholdValue: p.double().$type<number>().runtimeType("number"),
    windowStartTime: p.datetime().nullable(),
    windowEndTime: p.datetime().nullable(),
    /** The failed collection, for COLLECTION_FAILED only. */
    collection: p.manyToOne(Collection).ref().nullable(),
    createTime: p.datetime(),
    acknowledgeTime: p.datetime().nullable(),
    acknowledgedBy: p.string().length(ID_LENGTH).nullable(),
    acknowledgeNote: p.string().length(500).nullable(),
    resolveTime: p.datetime().nullable(),
    resolvedBy: p.string().length(ID_LENGTH).nullable(),
    resolveNote: p.string().length(500).nullable(),
    updateTime: p.datetime(),
  },
  indexes: [
    { properties: ["organisation", "id"] },
    {
      name: "alert_open_per_threshold_unique",
      expression: `create unique index "alert_open_per_threshold_unique" on "alert" ("threshold_id") where "state" <> 'RESOLVED' and "collection_id" is null`,
    },
    {
      name: "alert_collection_unique",
      expression: `create unique index "alert_collection_unique" on "alert" ("collection_id") where "collection_id" is not null and "state" <> 'RESOLVED'`,
    },
  ],
});

/** Alert is the entity type that the `Alert` schema describes. */
export type Alert = InferEntity<typeof Alert>;
