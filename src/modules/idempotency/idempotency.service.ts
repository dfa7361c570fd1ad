/**
 * idempotency.service.ts keeps the Idempotency-Key records: claim a key for a call (exactly one of
 * concurrent callers wins), store the call's answer, or release the key so a retry runs again. It
 * knows nothing of Connect: answers are plain bytes, codes and [name, value] pairs, and the
 * interceptor (rpc/interceptors/idempotency.ts) translates.
 */
import { randomBytes, randomInt } from "node:crypto";
import type { EntityManager, MikroORM } from "@mikro-orm/postgresql";
import type { Clock } from "../../platform/clock.js";
import { acrossTenants, withTenant } from "../../platform/db/tenant-session.js";
import { newId } from "../../platform/ids.js";
import { IdempotencyRecord, type StoredMetadata } from "./idempotency-record.entity.js";

/** IdempotentCall is one call that carries an Idempotency-Key. */
export interface IdempotentCall {
  organisationId: string;
  key: string;
  /** "dd.v1.MandateService/CreateMandate". */
  method: string;
  /** Hex SHA-256 of the request's canonical binary. */
  requestHash: string;
  /** Who sends it (`key:AK…`, `user:US…`). */
  actor: string;
}

/** Detail is one error detail as google.protobuf.Any carries it. */
export interface Detail {
  type: string;
  value: Uint8Array;
}

/** Outcome is a call's answer in storable form: a response message's binary, or an error. */
export type Outcome =
  | { kind: "response"; body: Uint8Array; metadata: StoredMetadata }
  | { kind: "error"; code: number; message: string; details: Detail[]; metadata: StoredMetadata };

/** Lease identifies the one call allowed to complete or release an in-progress record. */
export interface Lease {
  organisationId: string;
  recordId: string;
  token: string;
}

/** Claim is what claim() found: run the call, replay an answer, or refuse. */
export type Claim =
  | { kind: "claimed"; lease: Lease }
  | { kind: "replay"; outcome: Outcome }
  /** The key was first used for another method or another request body. */
  | { kind: "reused" }
  /** The first call with this key is still running. */
  | { kind: "in_use" };

export interface IdempotencyServiceOptions {
  orm: MikroORM;
  clock: Clock;
  /** How long an answer is kept after the call completes; at least 24 h (Stripe's retention). */
  retentionMs?: number;
  /**
   * How long an in-progress claim is honoured: after this a retry takes the record over, on the
   * assumption that the replica running the first call died. Calls must finish well within it.
   */
  leaseMs?: number;
  /**
   * How many answers an organisation keeps at most. Beyond it the oldest completed records are
   * forgotten first (a retry of a forgotten key runs as a first call; no answer is ever replayed for
   * another request), so one organisation at its rate limit cannot grow the table without bound.
   */
  maxRecordsPerOrganisation?: number;
}

/** DEFAULT_RETENTION_MS keeps answers 24 hours. */
export const DEFAULT_RETENTION_MS = 24 * 60 * 60 * 1000;
/** DEFAULT_LEASE_MS is 60 s: far longer than any write RPC should run. */
export const DEFAULT_LEASE_MS = 60 * 1000;
/** DEFAULT_MAX_RECORDS_PER_ORGANISATION: 100 minutes of writes at the default 1,000 a minute. */
export const DEFAULT_MAX_RECORDS_PER_ORGANISATION = 100_000;
/**
 * Trimming reads up to the cap's worth of index entries, so it runs after about one new record in
 * cap / TRIM_SHARE (chosen at random, so replicas need no shared counter): the table overshoots the
 * cap by about that share, and each insert pays a bounded, constant share of the trim.
 */
const TRIM_SHARE = 1000;

/** A claim that lost a race (the record changed under it) is retried this often before giving up. */
const CLAIM_ATTEMPTS = 3;

/** IdempotencyService claims, completes, releases and sweeps idempotency records. */
export class IdempotencyService {
  private readonly orm: MikroORM;
  private readonly clock: Clock;
  private readonly retentionMs: number;
  private readonly leaseMs: number;
  private readonly maxRecords: number;
  /** One new record in trimEvery starts a trim. */
  private readonly trimEvery: number;

  constructor(options: IdempotencyServiceOptions) {
    this.orm = options.orm;
    this.clock = options.clock;
    this.retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.maxRecords = options.maxRecordsPerOrganisation ?? DEFAULT_MAX_RECORDS_PER_ORGANISATION;
    this.trimEvery = Math.max(1, Math.floor(this.maxRecords / TRIM_SHARE));
  }

  /**
   * claim inserts the record in progress with ON CONFLICT DO NOTHING, so exactly one of concurrent
   * callers gets "claimed". A loser reads the record: expired → take it over as a first call;
   * another method or body → "reused"; completed → "replay"; still running → "in_use", unless its
   * lease ran out (a crashed replica), when it is taken over.
   */
  claim(call: IdempotentCall): Promise<Claim> {
    return withTenant(this.orm, call.organisationId, (em) => this.claimIn(em, call));
  }

  private async claimIn(em: EntityManager, call: IdempotentCall): Promise<Claim> {
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      const now = this.clock.now();
      const token = newToken();
      const id = newId("IK", now.getTime());
      const inserted = await em
        .createQueryBuilder(IdempotencyRecord)
        .insert({
          id,
          organisation: call.organisationId,
          idempotencyKey: call.key,
          ...this.firstCall(call, now, token),
        })
        .onConflict(["organisation", "idempotencyKey"])
        .ignore()
        .execute("run");
      if (inserted.affectedRows === 1) {
        if (randomInt(this.trimEvery) === 0) await this.trim(em, call.organisationId);
        return claimed(call, id, token);
      }

      const record = await em.findOne(IdempotencyRecord, { idempotencyKey: call.key }, { disableIdentityMap: true });
      if (!record) continue; // released or swept since the insert: try again
      const expired = record.expireTime.getTime() <= now.getTime();
      if (!expired && (record.method !== call.method || record.requestHash !== call.requestHash))
        return { kind: "reused" };
      if (!expired && record.state === "completed") return { kind: "replay", outcome: outcomeOf(record) };
      const stale = now.getTime() - record.leaseTime.getTime() >= this.leaseMs;
      if (!expired && !stale) return { kind: "in_use" };
      if (await this.takeOver(em, record, call, now, token)) return claimed(call, record.id, token);
    }
    // Every attempt lost a race to another caller of the same key: that caller is running it now.
    return { kind: "in_use" };
  }

  /**
   * complete stores the answer and marks the record completed; false if the lease was lost (the
   * record was taken over), in which case the new holder's answer is the one kept. Given `em` (the
   * call's own transaction, scoped to the lease's organisation) the record commits with the write.
   */
  async complete(lease: Lease, outcome: Outcome, em?: EntityManager): Promise<boolean> {
    if (em) return this.completeIn(em, lease, outcome);
    return withTenant(this.orm, lease.organisationId, (own) => this.completeIn(own, lease, outcome));
  }

  private async completeIn(em: EntityManager, lease: Lease, outcome: Outcome): Promise<boolean> {
    const now = this.clock.now();
    const stored =
      outcome.kind === "response"
        ? { responseBody: Buffer.from(outcome.body), errorCode: null, errorMessage: null, errorDetails: null }
        : {
            responseBody: null,
            errorCode: outcome.code,
            errorMessage: outcome.message,
            errorDetails: outcome.details.map((d) => ({
              type: d.type,
              value: Buffer.from(d.value).toString("base64"),
            })),
          };
    const updated = await em.nativeUpdate(
      IdempotencyRecord,
      { id: lease.recordId, leaseToken: lease.token, state: "in_progress" },
      {
        ...stored,
        responseMetadata: outcome.metadata,
        state: "completed",
        leaseToken: null,
        completeTime: now,
        expireTime: new Date(now.getTime() + this.retentionMs),
      },
    );
    return updated === 1;
  }

  /** release deletes an in-progress record this lease holds, so a retry runs the call again. */
  async release(lease: Lease): Promise<void> {
    await withTenant(this.orm, lease.organisationId, (em) =>
      em.nativeDelete(IdempotencyRecord, { id: lease.recordId, leaseToken: lease.token }),
    );
  }

  /**
   * sweep deletes up to `limit` expired records of every organisation and returns how many. It is
   * system work across tenants, hence raw SQL in a transaction across tenants; it only ever deletes rows past
   * their expire_time. SKIP LOCKED lets replicas sweep at once without waiting on each other.
   */
  async sweep(limit = 1000): Promise<number> {
    const result = await acrossTenants(this.orm, "idempotency sweep", (em) =>
      em.execute<{ affectedRows: number }>(
        `delete from "idempotency_record" where "id" in (select "id" from "idempotency_record" where "expire_time" <= ? order by "expire_time" limit ? for update skip locked)`,
        [this.clock.now(), limit],
        "run",
      ),
    );
    return result.affectedRows;
  }

  /**
   * trim forgets the organisation's completed records older than its newest maxRecords (in-progress
   * ones are never dropped: their calls are still running, and a retry must see them). It reads the
   * (organisation_id, create_time, id) index from the newest end, maxRecords entries at most.
   */
  private async trim(em: EntityManager, organisationId: string): Promise<void> {
    await em.execute(
      `delete from "idempotency_record" where "organisation_id" = ? and "state" = 'completed' and ("create_time", "id") <= (select "create_time", "id" from "idempotency_record" where "organisation_id" = ? order by "create_time" desc, "id" desc offset ? limit 1)`,
      [organisationId, organisationId, this.maxRecords],
      "run",
    );
  }

  /** The columns of a fresh in-progress claim (insert and takeover alike). */
  private firstCall(call: IdempotentCall, now: Date, token: string) {
    return {
      method: call.method,
      requestHash: call.requestHash,
      actor: call.actor,
      state: "in_progress" as const,
      leaseToken: token,
      responseBody: null,
      errorCode: null,
      errorMessage: null,
      errorDetails: null,
      responseMetadata: null,
      createTime: now,
      leaseTime: now,
      completeTime: null,
      expireTime: new Date(now.getTime() + this.retentionMs),
    };
  }

  /** takeOver replaces an expired or abandoned record, only if nobody changed it since it was read. */
  private async takeOver(
    em: EntityManager,
    record: IdempotencyRecord,
    call: IdempotentCall,
    now: Date,
    token: string,
  ): Promise<boolean> {
    const updated = await em.nativeUpdate(
      IdempotencyRecord,
      { id: record.id, state: record.state, leaseToken: record.leaseToken ?? null, leaseTime: record.leaseTime },
      this.firstCall(call, now, token),
    );
    return updated === 1;
  }
}

function claimed(call: IdempotentCall, recordId: string, token: string): Claim {
  return { kind: "claimed", lease: { organisationId: call.organisationId, recordId, token } };
}

function newToken(): string {
  return randomBytes(16).toString("hex");
}

function outcomeOf(record: IdempotencyRecord): Outcome {
  const metadata = record.responseMetadata ?? { header: [], trailer: [] };
  if (record.errorCode !== null && record.errorCode !== undefined) {
    return {
      kind: "error",
      code: record.errorCode,
      message: record.errorMessage ?? "",
      details: (record.errorDetails ?? []).map((d) => ({ type: d.type, value: Buffer.from(d.value, "base64") })),
      metadata,
    };
  }
  return { kind: "response", body: record.responseBody ?? new Uint8Array(), metadata };
}
