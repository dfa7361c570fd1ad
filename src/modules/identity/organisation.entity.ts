import { defineEntity, type InferEntity } from "@mikro-orm/core";
import { ID_LENGTH } from "../../platform/ids.js";

const p = defineEntity.properties;

/**
 * Organisation is the tenant: every tenant entity points at one, and the tenant filter scopes
 * queries by it. It is not tenant-filtered itself. Ids are `OR…` (see `newId`). The rate-limit
 * settings are read by the per-organisation GCRA limiter. The Bacs identity (bacs-identity.ts) is
 * what payers are shown of it on the Instruction, in every email and on their bank statement.
 */
export const Organisation = defineEntity({
  name: "Organisation",
  tableName: "organisation",
  properties: {
    id: p.string().primary().length(ID_LENGTH),
    name: p.string().length(200),
    /** Sandbox organisations get `dd_test_` keys and never reach Bacs. */
    sandbox: p.boolean().default(false),
    /** Sustained requests per minute for the whole organisation. */
    rateLimitPerMinute: p.integer().default(1000),
    /** Requests allowed above the sustained rate in one burst. */
    rateLimitBurst: p.integer().default(100),
    /** Admins must use a TOTP second factor: one without it gets a session that can only enrol. */
    requireAdminTotp: p.boolean().default(false),
    /**
     * The service user number (SUN) its sponsor bank assigned: 6 digits. Required of live
     * organisations created since it existed; null for sandbox ones without one and for live ones
     * created before, until an operator sets it (`ddctl org set-bacs`).
     */
    serviceUserNumber: p.string().length(6).nullable(),
    /**
     * The name payers see on their statement and on the Instruction: 1–18 characters of the Bacs
     * set, upper case (bacs-identity.ts says why 18). Null only for organisations created before it
     * existed whose name did not fit (the migration says why).
     */
    bacsDisplayName: p.string().length(18).nullable(),
    /**
     * Working days between an advance notice and the first collection it announces: 10 by the
     * Direct Debit Guarantee, or as agreed with the organisation's payers, 3 at least.
     */
    advanceNoticeWorkingDays: p.integer().default(10),
    /**
     * Who sends payers their notices (the Instruction's confirmation, advance notices, cancellation):
     * SERVICE (by email, as this organisation) or ORGANISATION (it sends its own, prompted by the
     * notification feed's events).
     */
    payerNoticesBy: p.enum(["SERVICE", "ORGANISATION"] as const).default("SERVICE"),
    createTime: p.datetime(),
    updateTime: p.datetime(),
  },
});

/** Organisation is the entity type that the `Organisation` schema describes. */
export type Organisation = InferEntity<typeof Organisation>;
