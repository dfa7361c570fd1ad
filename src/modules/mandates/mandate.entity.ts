import { defineEntity, type InferEntity } from "@mikro-orm/core";
import { tenantFilter } from "../../platform/db/tenant-filter.js";
import { ID_LENGTH } from "../../platform/ids.js";
import { Organisation } from "../identity/organisation.entity.js";
import { mandateCauses, mandateStates } from "./mandate-lifecycle.js";

const p = defineEntity.properties;

/**
 * Mandate is a Direct Debit Instruction of one organisation (ids `MD…`, time-ordered, so the
 * newest-first list pages on the primary key). The bank account is kept as the contract shows it
 * (holder name, sort code, last 2 digits) plus the full account number encrypted with AES-256-GCM
 * (account-number-cipher.ts): never in clear. The last state change is kept flat on the row, as
 * the API shows it on every read; the history lives in notifications and the audit log.
 */
export const Mandate = defineEntity({
  name: "Mandate",
  tableName: "mandate",
  filters: { ...tenantFilter },
  properties: {
    id: p.string().primary().length(ID_LENGTH),
    organisation: p.manyToOne(Organisation).ref(),
    state: p.enum([...mandateStates]),
    /** Bacs reference, upper-cased, unique among the organisation's open mandates. */
    reference: p.string().length(18),
    payerName: p.string().length(140),
    payerEmail: p.string().length(254),
    /** payerEmail lower-cased: the case-insensitive list filter uses it through an index. */
    payerEmailNormalised: p.string().length(254),
    accountHolderName: p.string().length(140).nullable(),
    sortCode: p.string().length(6).nullable(),
    accountNumberEnding: p.string().length(2).nullable(),
    /** `v1.<iv>.<tag>.<ciphertext>` (base64url), bound to the mandate id; see account-number-cipher.ts. */
    accountNumberCiphertext: p.string().length(200).nullable(),
    metadata: p.json<Record<string, string>>(),
    resubmissionCount: p.integer().default(0),
    /** When the current invite link stops working; null unless PENDING_CUSTOMER_APPROVAL. */
    inviteExpireTime: p.datetime().nullable(),
    lastChangePreviousState: p.enum([...mandateStates]).nullable(),
    lastChangeCause: p.enum([...mandateCauses]),
    lastChangeReasonCode: p.string().length(20).nullable(),
    lastChangeDescription: p.string().length(600),
    lastChangeTime: p.datetime(),
    createTime: p.datetime(),
    updateTime: p.datetime(),
  },
  uniques: [
    {
      // A closed mandate's reference may be carried by the new mandate that replaces it.
      name: "mandate_open_reference_unique",
      expression: `create unique index "mandate_open_reference_unique" on "mandate" ("organisation_id", "reference") where "state" not in ('CANCELLED', 'FAILED', 'EXPIRED')`,
    },
  ],
  indexes: [
    { properties: ["organisation", "id"] },
    { properties: ["organisation", "payerEmailNormalised"] },
    // Bacs processing's cross-tenant claims by state (submit, activate, and expiry by last change).
    { properties: ["state", "lastChangeTime"] },
    // The mandate-cancellation alert counts one organisation's cancellations in a window.
    { properties: ["organisation", "state", "lastChangeTime"] },
  ],
});

/** Mandate is the entity type that the `Mandate` schema describes. */
export type Mandate = InferEntity<typeof Mandate>;
