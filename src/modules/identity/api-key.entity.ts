import { defineEntity, type InferEntity } from "@mikro-orm/core";
import { tenantFilter } from "../../platform/db/tenant-filter.js";
import { ID_LENGTH } from "../../platform/ids.js";
import { Organisation } from "./organisation.entity.js";

const p = defineEntity.properties;

/**
 * ApiKey is a credential an integration (agentOS…) uses as `Authorization: Bearer <key>`. Ids are
 * `AK…`. The secret is shown once and stored only as its SHA-256 digest (api-key-format.ts). A
 * rotated key keeps working until its expire_time, which rotation sets to the end of the grace
 * period; replaced_by and rotated_from link the two keys.
 */
export const ApiKey = defineEntity({
  name: "ApiKey",
  tableName: "api_key",
  filters: { ...tenantFilter },
  properties: {
    id: p.string().primary().length(ID_LENGTH),
    organisation: p.manyToOne(Organisation).ref(),
    name: p.string().length(100),
    scopes: p.array(),
    /** `dd_live_` or `dd_test_` and the first 4 random characters, to tell keys apart in lists. */
    displayPrefix: p.string().length(16),
    digest: p.string().length(64).unique(),
    /** `user:US…` or `operator` (ddctl). */
    createdBy: p.string().length(100),
    createTime: p.datetime(),
    expireTime: p.datetime().nullable(),
    revokeTime: p.datetime().nullable(),
    revokedBy: p.string().length(100).nullable(),
    /** Last use, at minute precision: written at most once a minute per key. */
    lastUseTime: p.datetime().nullable(),
    rotatedFrom: p.string().length(ID_LENGTH).nullable(),
    replacedBy: p.string().length(ID_LENGTH).nullable(),
  },
  indexes: [{ properties: ["organisation", "createTime"] }],
});

/** ApiKey is the entity type that the `ApiKey` schema describes. */
export type ApiKey = InferEntity<typeof ApiKey>;
