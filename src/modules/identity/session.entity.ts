import { defineEntity, type InferEntity } from "@mikro-orm/core";
import { tenantFilter } from "../../platform/db/tenant-filter.js";
import { ID_LENGTH } from "../../platform/ids.js";
import { Organisation } from "./organisation.entity.js";
import { User } from "./user.entity.js";

const p = defineEntity.properties;

/**
 * Session is a signed-in browser. Ids are `SE…`. The cookie holds a random token; only its SHA-256
 * is stored, so a database leak does not hand out sessions. A session ends at expire_time, after
 * idle_timeout without use, or at sign-out (revoke_time).
 */
export const Session = defineEntity({
  name: "Session",
  tableName: "session",
  filters: { ...tenantFilter },
  properties: {
    id: p.string().primary().length(ID_LENGTH),
    organisation: p.manyToOne(Organisation).ref(),
    user: p.manyToOne(User).ref(),
    tokenDigest: p.string().length(64).unique(),
    createTime: p.datetime(),
    expireTime: p.datetime(),
    /** Seconds without use after which the session ends. */
    idleTimeoutSeconds: p.integer(),
    /** Last use, written at most once a minute. */
    lastSeenTime: p.datetime(),
    revokeTime: p.datetime().nullable(),
    clientAddress: p.string().length(64).nullable(),
  },
});

/** Session is the entity type that the `Session` schema describes. */
export type Session = InferEntity<typeof Session>;
