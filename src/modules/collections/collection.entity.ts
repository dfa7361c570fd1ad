import { defineEntity, type InferEntity } from "@mikro-orm/core";
import { tenantFilter } from "../../platform/db/tenant-filter.js";
import { ID_LENGTH } from "../../platform/ids.js";
import { Organisation } from "../identity/organisation.entity.js";
import { Mandate } from "../mandates/mandate.entity.js";
import { collectionStates } from "./collection-lifecycle.js";
import { CollectionSchedule } from "./collection-schedule.entity.js";

const p = defineEntity.properties;

/**
 * Collection is one Direct Debit payment (ids `CL…`). `chargeDate` is a `YYYY-MM-DD` string, a
 * Bacs working day. Indexes serve the reads: the newest-first list per organisation, the filters
 * by mandate and by charge date, and the processor's scan of (state, charge_date) across
 * organisations.
 */
export const Collection = defineEntity({
  name: "Collection",
  tableName: "collection",
  filters: { ...tenantFilter },
  properties: {
    id: p.string().primary().length(ID_LENGTH),
    organisation: p.manyToOne(Organisation).ref(),
    mandate: p.manyToOne(Mandate).ref(),
    /** Null for a one-off collection (CreateCollection). */
    schedule: p.manyToOne(CollectionSchedule).ref().nullable(),
    amountMinor: p.bigint("number"),
    currency: p.string().length(3),
    chargeDate: p.string().length(10),
    /** The charge date of its first presentation: a re-presentation must fall within a month of it. */
    originalChargeDate: p.string().length(10),
    /** Times presented again after failing (RetryCollection). */
    retryCount: p.integer().default(0),
    /**
     * The Europe/London date of the advance notice that told the payer this collection's amount and
     * date: its schedule's notice of its current terms, or its own for a one-off. Charged no sooner
     * than the organisation's notice period after it.
     */
    noticeDate: p.string().length(10),
    state: p.enum([...collectionStates]),
    /** ARUDD code when FAILED, DDICA code when CHARGED_BACK. */
    reasonCode: p.string().length(20).nullable(),
    description: p.string().length(100),
    stateChangeTime: p.datetime(),
    paidOutTime: p.datetime().nullable(),
    createTime: p.datetime(),
    updateTime: p.datetime(),
  },
  indexes: [
    { properties: ["organisation", "id"] },
    { properties: ["organisation", "mandate"] },
    // Covering (INCLUDE): reports aggregate state and amount by charge date from the index alone.
    {
      name: "collection_organisation_id_charge_date_id_index",
      expression: `create index "collection_organisation_id_charge_date_id_index" on "collection" ("organisation_id", "charge_date", "id") include ("state", "amount_minor")`,
    },
    // Alert windows and the clawback list: outcomes of one state by the time they happened.
    { properties: ["organisation", "state", "stateChangeTime"] },
    { properties: ["state", "chargeDate"] },
    { properties: ["schedule", "state"] },
    // Mandate expiry asks, per candidate mandate, for a recent collection under it.
    { properties: ["mandate", "chargeDate"] },
  ],
});

/** Collection is the entity type that the `Collection` schema describes. */
export type Collection = InferEntity<typeof Collection>;
