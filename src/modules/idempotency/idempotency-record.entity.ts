import { defineEntity, type InferEntity } from "@mikro-orm/core";
import { tenantFilter } from "../../platform/db/tenant-filter.js";
import { ID_LENGTH } from "../../platform/ids.js";
import { Organisation } from "../identity/organisation.entity.js";

const p = defineEntity.properties;

/** IdempotencyState: `in_progress` while the first call runs, `completed` once its answer is stored. */
export type IdempotencyState = "in_progress" | "completed";

/** StoredDetail is one google.rpc error detail as it travels in google.protobuf.Any: type name and bytes (base64). */
export interface StoredDetail {
  type: string;
  value: string;
}

/** StoredMetadata is the response headers and trailers worth replaying, as [name, value] pairs. */
export interface StoredMetadata {
  header: [string, string][];
  trailer: [string, string][];
}

/**
 * IdempotencyRecord remembers one `Idempotency-Key` of one organisation: which request first used it
 * (method and a SHA-256 of the request's canonical binary), whether that call is still running, and
 * its answer (the response message's binary, or the error's code, message and details), so a retry
 * gets the same answer instead of running the write twice. Ids are `IK…`.
 *
 * It is tenant data (the tenant filter applies): keys are scoped per organisation, so two
 * organisations may use the same key string without ever seeing each other's records. The unique
 * (organisation_id, idempotency_key) constraint is what makes `INSERT … ON CONFLICT DO NOTHING` pick
 * exactly one winner among concurrent callers. lease_token names the one call that may complete or
 * release an in-progress record (a takeover after a crash hands out a new one). Records expire 24 h
 * after their answer; the sweep deletes expired rows through the expire_time index, and an
 * organisation's oldest answers beyond its cap through the (organisation, create_time, id) index.
 */
export const IdempotencyRecord = defineEntity({
  name: "IdempotencyRecord",
  tableName: "idempotency_record",
  filters: { ...tenantFilter },
  properties: {
    id: p.string().primary().length(ID_LENGTH),
    organisation: p.manyToOne(Organisation).ref(),
    /** The client's key as sent: 1–255 printable ASCII characters. */
    idempotencyKey: p.string().length(255),
    /** The first call's method, "dd.v1.MandateService/CreateMandate". */
    method: p.string().length(200),
    /** Hex SHA-256 of the first call's request message in canonical binary form. */
    requestHash: p.string().length(64),
    /** Who first sent the key (`key:AK…`, `user:US…`), for support; keys are shared organisation-wide. */
    actor: p.string().length(100),
    state: p.string().length(20).$type<IdempotencyState>(),
    /** Random token of the call that holds the in-progress record; null once completed. */
    leaseToken: p.string().length(32).nullable(),
    /** The response message's binary (a success). */
    responseBody: p.blob().nullable(),
    /** The gRPC status code of a stored error answer. */
    errorCode: p.integer().nullable(),
    errorMessage: p.text().nullable(),
    errorDetails: p.json<StoredDetail[]>().nullable(),
    /** Headers and trailers of the answer, minus rate-limit, framing and cookie headers. */
    responseMetadata: p.json<StoredMetadata>().nullable(),
    createTime: p.datetime(),
    /** When the current holder claimed the record; a claim older than the lease may be taken over. */
    leaseTime: p.datetime(),
    completeTime: p.datetime().nullable(),
    /** After this the key is forgotten: a new call with it runs as a first call. */
    expireTime: p.datetime(),
  },
  uniques: [{ properties: ["organisation", "idempotencyKey"] }],
  indexes: [{ properties: ["expireTime"] }, { properties: ["organisation", "createTime", "id"] }],
});

/** IdempotencyRecord is the entity type that the `IdempotencyRecord` schema describes. */
export type IdempotencyRecord = InferEntity<typeof IdempotencyRecord>;
