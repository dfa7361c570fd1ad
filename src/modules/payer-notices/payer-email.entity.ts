import { defineEntity, type InferEntity } from "@mikro-orm/core";
import { tenantFilter } from "../../platform/db/tenant-filter.js";
import { ID_LENGTH } from "../../platform/ids.js";
import { Organisation } from "../identity/organisation.entity.js";

const p = defineEntity.properties;

/**
 * payerEmailStates: PENDING → SENT, or FAILED once every attempt has failed, or WITHDRAWN when a
 * later notice of the same collection replaced it before it could be sent (its date no longer held),
 * or what it announces was cancelled before it could be sent.
 */
export const payerEmailStates = ["PENDING", "SENT", "FAILED", "WITHDRAWN"] as const;

/**
 * PayerEmail is one notice to a payer waiting to be sent, or sent (ids `PE…`): the transactional
 * outbox of payer notices. It is written in the transaction of the change it reports and sent only
 * once that commits, so a rolled-back change never emails its payer and a mail relay that is down
 * never stops a change (the scheme's notices still go, on a later attempt). Notices hold no secret
 * (the account number is masked), unlike invite and welcome emails, which are never stored.
 */
export const PayerEmail = defineEntity({
  name: "PayerEmail",
  tableName: "payer_email",
  filters: { ...tenantFilter },
  properties: {
    id: p.string().primary().length(ID_LENGTH),
    organisation: p.manyToOne(Organisation).ref(),
    recipient: p.string().length(254),
    subject: p.string().length(300),
    text: p.text(),
    html: p.text().nullable(),
    state: p.enum([...payerEmailStates]),
    /** Failed attempts so far. */
    attempts: p.integer().default(0),
    /** When a PENDING email is next tried. */
    nextAttemptTime: p.datetime(),
    /** The last failure, for operators; never the message itself. */
    lastError: p.string().length(500).nullable(),
    createTime: p.datetime(),
    sentTime: p.datetime().nullable(),
    /**
     * The collection (`CL…`) or schedule (`CS…`) an advance notice announces; null for other
     * notices. A collection is not submitted before its notice is sent (collection-steps.ts).
     */
    announces: p.string().length(ID_LENGTH).nullable(),
  },
  indexes: [
    { properties: ["organisation", "id"] },
    // The delivery sweep's scan: pending emails by when they are due.
    { properties: ["state", "nextAttemptTime"] },
    // Submission's look for the notices of the collections it claims.
    { properties: ["announces"] },
  ],
});

/** PayerEmail is the entity type that the `PayerEmail` schema describes. */
export type PayerEmail = InferEntity<typeof PayerEmail>;
