import { defineEntity, type InferEntity } from "@mikro-orm/core";
import { tenantFilter } from "../../platform/db/tenant-filter.js";
import { ID_LENGTH } from "../../platform/ids.js";
import { Organisation } from "../identity/organisation.entity.js";
import { alertTypes } from "./alert-types.js";

const p = defineEntity.properties;

/**
 * AlertThreshold is an organisation's setting for one alert type (ids `AT…`): one row per type and
 * organisation, created with the organisation (alert-thresholds.ts), changed, never deleted. Every
 * parameter column exists on every row; the type decides which ones are read, and the others are
 * kept as they are, so switching a type off and on again loses nothing.
 */
export const AlertThreshold = defineEntity({
  name: "AlertThreshold",
  tableName: "alert_threshold",
  filters: { ...tenantFilter },
  properties: {
    id: p.string().primary().length(ID_LENGTH),
    organisation: p.manyToOne(Organisation).ref(),
    type: p.enum([...alertTypes]),
    enabled: p.boolean(),
    /** COLLECTION_FAILURE_RATE: percent, 0–100. */
    failureRatePercent: p.double().$type<number>().runtimeType("number"),
    /** COLLECTION_FAILURE_RATE: outcomes needed in the window before the rate is judged. */
    minSampleSize: p.integer(),
    /** CLAWBACKS, MANDATE_CANCELLATIONS: events in the window that raise an alert. */
    count: p.integer(),
    /** The rolling window, in seconds (whole hours). */
    windowSeconds: p.integer(),
    /** COLLECTION_FAILED: smallest amount (pence) whose failure raises an alert. */
    minAmountMinor: p.bigint("number"),
    updateTime: p.datetime(),
    /** `US…` or `AK…`; null until someone changes the defaults. */
    updatedBy: p.string().length(ID_LENGTH).nullable(),
  },
  uniques: [{ properties: ["organisation", "type"] }],
});

/** AlertThreshold is the entity type that the `AlertThreshold` schema describes. */
export type AlertThreshold = InferEntity<typeof AlertThreshold>;
