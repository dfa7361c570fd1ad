import { defineEntity, type InferEntity } from "@mikro-orm/core";
import { tenantFilter } from "../../platform/db/tenant-filter.js";
import { ID_LENGTH } from "../../platform/ids.js";
import { Organisation } from "../identity/organisation.entity.js";
import { Mandate } from "./mandate.entity.js";

const p = defineEntity.properties;

/**
 * MandateInvite is one invite link sent to a payer (ids `MI…`). The link carries a 32-byte random
 * token; only its SHA-256 is stored (platform/link-token.ts), unique across all organisations, so the
 * public CompleteMandateInvite finds the invite by digest alone. An invite works once, until its
 * expire_time, and not after a newer invite superseded it.
 */
export const MandateInvite = defineEntity({
  name: "MandateInvite",
  tableName: "mandate_invite",
  filters: { ...tenantFilter },
  properties: {
    id: p.string().primary().length(ID_LENGTH),
    organisation: p.manyToOne(Organisation).ref(),
    mandate: p.manyToOne(Mandate).ref(),
    tokenDigest: p.string().length(64).unique(),
    createTime: p.datetime(),
    expireTime: p.datetime(),
    useTime: p.datetime().nullable(),
    supersedeTime: p.datetime().nullable(),
  },
  indexes: [{ properties: ["mandate"] }],
});

/** MandateInvite is the entity type that the `MandateInvite` schema describes. */
export type MandateInvite = InferEntity<typeof MandateInvite>;
