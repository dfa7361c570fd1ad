import { defineEntity, type InferEntity } from "@mikro-orm/core";
import { tenantFilter } from "../../platform/db/tenant-filter.js";
import { ID_LENGTH } from "../../platform/ids.js";
import { Organisation } from "./organisation.entity.js";

const p = defineEntity.properties;

/**
 * AuditEvent records who did what to which resource in an organisation, and whether it worked
 * (key created, key revoked, mandate cancelled, sign-in failed…). Ids are `AE…`. It is tenant data:
 * the tenant filter scopes every query to the caller's organisation, and it is listed newest first
 * through the (organisation_id, create_time desc) index.
 */
export const AuditEvent = defineEntity({
  name: "AuditEvent",
  tableName: "audit_event",
  filters: { ...tenantFilter },
  properties: {
    id: p.string().primary().length(ID_LENGTH),
    organisation: p.manyToOne(Organisation).ref(),
    /** Who acted: `key:AK…` for an API key, `user:US…` for a signed-in user, `system` for jobs. */
    actor: p.string().length(100),
    /** What was done, e.g. `api_key.create`. */
    action: p.string().length(100),
    /** The resource acted on, e.g. `AK…`; null when there is none (a failed sign-in). */
    target: p.string().length(100).nullable(),
    /** `success` or a failure reason in UPPER_SNAKE_CASE. */
    outcome: p.string().length(100),
    /** The client's IP address as seen by the server, when known. */
    clientAddress: p.string().length(64).nullable(),
    /** How many identical events this row stands for (denials are aggregated per minute). */
    count: p.integer().default(1),
    createTime: p.datetime(),
  },
  indexes: [
    {
      name: "audit_event_organisation_id_create_time_index",
      expression:
        'create index "audit_event_organisation_id_create_time_index" on "audit_event" ("organisation_id", "create_time" desc)',
    },
  ],
});

/** AuditEvent is the entity type that the `AuditEvent` schema describes. */
export type AuditEvent = InferEntity<typeof AuditEvent>;
