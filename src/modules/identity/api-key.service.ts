/**
 * api-key.service.ts is the lifecycle of API keys: create (the secret is returned once), list, get,
 * revoke (at once, on every replica), rotate (a new key with the same scopes; the old one works until
 * the end of a grace period). Every change is audited in the same flush.
 */
import { type EntityManager, LockMode } from "@mikro-orm/postgresql";
import type { Clock } from "../../platform/clock.js";
import { afterCommit } from "../../platform/db/after-commit.js";
import { findPage, type IdCursor, type KeysetPage, type PageRequest } from "../../platform/db/keyset-page.js";
import { newId } from "../../platform/ids.js";
import { FailedPreconditionError, type FieldViolation, InvalidArgumentError, NotFoundError } from "../errors.js";
import type { Acting } from "./acting.js";
import { ApiKey } from "./api-key.entity.js";
import { apiKeyDigest, displayPrefix, generateApiKey } from "./api-key-format.js";
import { recordAudit } from "./audit-log.js";
import { Organisation } from "./organisation.entity.js";
import { scopeNames, unknownScopes } from "./scopes.js";

const maxLifetimeSeconds = 366 * 24 * 3600;
const defaultGraceSeconds = 24 * 3600;
const maxGraceSeconds = 7 * 24 * 3600;

/** ApiKeyStateName is what a key is at a moment: usable, past its expiry, or revoked. */
export type ApiKeyStateName = "active" | "expired" | "revoked";

/** apiKeyState works a key's state out at `now` (revocation wins over expiry). */
export function apiKeyState(key: Pick<ApiKey, "revokeTime" | "expireTime">, now: Date): ApiKeyStateName {
  if (key.revokeTime) return "revoked";
  if (key.expireTime && key.expireTime <= now) return "expired";
  return "active";
}

/** NewKeyInput is a create request in plain values; expiry is either a time or a lifetime. */
export interface NewKeyInput {
  name: string;
  scopes: readonly string[];
  expireTime?: Date | undefined;
  ttlSeconds?: number | undefined;
}

/** IssuedKey is a key with its secret: returned by create and rotate, and never again. */
export interface IssuedKey {
  key: ApiKey;
  secret: string;
}

/** ApiKeyManager needs a clock and a way to tell every replica that a key changed. */
export interface ApiKeyManagerOptions {
  clock: Clock;
  announce(keyId: string): Promise<void>;
}

/** ApiKeyManager runs the key lifecycle on a tenant-scoped EntityManager. */
export class ApiKeyManager {
  constructor(private readonly options: ApiKeyManagerOptions) {}

  async create(em: EntityManager, acting: Acting, input: NewKeyInput): Promise<IssuedKey> {
    const now = this.options.clock.now();
    const violations: FieldViolation[] = [];
    const name = input.name.trim();
    if (name.length === 0 || name.length > 100)
      violations.push({ field: "name", description: "must be 1 to 100 characters" });
    const scopes = [...new Set(input.scopes)];
    const unknown = unknownScopes(scopes);
    if (scopes.length === 0)
      violations.push({ field: "scopes", description: `must name at least one of ${scopeNames.join(", ")}` });
    if (unknown.length > 0) {
      violations.push({
        field: "scopes",
        description: `unknown scopes: ${unknown.join(", ")} (known: ${scopeNames.join(", ")})`,
      });
    }
    const expireTime = this.expiry(now, input, violations);
    if (violations.length > 0) throw new InvalidArgumentError(violations);

    const organisation = await em.findOneOrFail(Organisation, acting.organisationId);
    const issued = this.issue(em, organisation, acting, now, { name, scopes, expireTime, rotatedFrom: null });
    recordAudit(em, { ...acting, action: "api_key.create", target: issued.key.id, outcome: "success", time: now });
    await em.flush();
    return issued;
  }

  /** list returns one page of the organisation's keys, newest first; revoked ones only when asked. */
  list(em: EntityManager, page: PageRequest<IdCursor>, showRevoked: boolean): Promise<KeysetPage<ApiKey, IdCursor>> {
    return findPage(em, ApiKey, showRevoked ? {} : { revokeTime: null }, { orderBy: ["id"], ...page });
  }

  async get(em: EntityManager, id: string): Promise<ApiKey> {
    requireKeyId(id);
    const key = await em.findOne(ApiKey, { id });
    if (!key) throw new NotFoundError("API key", id);
    return key;
  }

  async revoke(em: EntityManager, acting: Acting, id: string): Promise<ApiKey> {
    requireKeyId(id);
    const now = this.options.clock.now();
    const key = await em.transactional(async (tx) => {
      // As for rotate: concurrent revokes take turns, so exactly one succeeds and is audited.
      const found = await tx.findOne(ApiKey, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
      if (!found) throw new NotFoundError("API key", id);
      if (found.revokeTime) throw new FailedPreconditionError("API_KEY_REVOKED", `API key ${id} is already revoked`);
      found.revokeTime = now;
      found.revokedBy = acting.actor;
      recordAudit(tx, { ...acting, action: "api_key.revoke", target: id, outcome: "success", time: now });
      return found;
    });
    // Other replicas reload the key when told: tell them once the change is there to read.
    await afterCommit(em, () => this.options.announce(id));
    return key;
  }

  /** rotate issues a replacement; graceSeconds undefined means 24 h, 0 revokes the old key at once. */
  async rotate(
    em: EntityManager,
    acting: Acting,
    id: string,
    graceSeconds: number | undefined,
  ): Promise<IssuedKey & { previous: ApiKey }> {
    requireKeyId(id);
    const grace = graceSeconds ?? defaultGraceSeconds;
    if (grace < 0 || grace > maxGraceSeconds) {
      throw InvalidArgumentError.field("grace_period", "must be between 0 and 7 days");
    }
    const now = this.options.clock.now();
    const rotated = await em.transactional(async (tx) => {
      // The row lock makes concurrent rotations of one key take turns: the second sees replacedBy
      // set by the first and is refused, instead of both issuing a replacement.
      const old = await tx.findOne(ApiKey, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
      if (!old) throw new NotFoundError("API key", id);
      return this.replace(tx, acting, old, grace, now);
    });
    await afterCommit(em, () => this.options.announce(id));
    return rotated;
  }

  /** replace issues the successor of a key the caller holds locked, and retires the key. */
  private async replace(
    em: EntityManager,
    acting: Acting,
    old: ApiKey,
    grace: number,
    now: Date,
  ): Promise<IssuedKey & { previous: ApiKey }> {
    const id = old.id;
    if (old.revokeTime) throw new FailedPreconditionError("API_KEY_REVOKED", `API key ${id} is revoked`);
    if (old.replacedBy)
      throw new FailedPreconditionError(
        "API_KEY_ALREADY_ROTATED",
        `API key ${id} was already rotated into ${old.replacedBy}`,
      );
    if (old.expireTime && old.expireTime <= now)
      throw new FailedPreconditionError("API_KEY_EXPIRED", `API key ${id} has expired`);

    // The replacement keeps the old key's lifetime, counted from now.
    const lifetime = old.expireTime ? old.expireTime.getTime() - old.createTime.getTime() : undefined;
    const organisation = await em.findOneOrFail(Organisation, acting.organisationId);
    const issued = this.issue(em, organisation, acting, now, {
      name: old.name,
      scopes: old.scopes,
      expireTime: lifetime === undefined ? null : new Date(now.getTime() + lifetime),
      rotatedFrom: old.id,
    });
    old.replacedBy = issued.key.id;
    if (grace === 0) {
      old.revokeTime = now;
      old.revokedBy = acting.actor;
    } else {
      const graceEnd = new Date(now.getTime() + grace * 1000);
      if (!old.expireTime || graceEnd < old.expireTime) old.expireTime = graceEnd;
    }
    recordAudit(em, {
      ...acting,
      action: "api_key.rotate",
      target: id,
      outcome: `success:${issued.key.id}`,
      time: now,
    });
    await em.flush();
    return { ...issued, previous: old };
  }

  private issue(
    em: EntityManager,
    organisation: Organisation,
    acting: Acting,
    now: Date,
    fields: { name: string; scopes: string[]; expireTime: Date | null; rotatedFrom: string | null },
  ): IssuedKey {
    const secret = generateApiKey(organisation.sandbox ? "test" : "live");
    const key = em.create(ApiKey, {
      id: newId("AK", now.getTime()),
      organisation,
      name: fields.name,
      scopes: fields.scopes,
      displayPrefix: displayPrefix(secret),
      digest: apiKeyDigest(secret),
      createdBy: acting.actor,
      createTime: now,
      expireTime: fields.expireTime,
      revokeTime: null,
      revokedBy: null,
      lastUseTime: null,
      rotatedFrom: fields.rotatedFrom,
      replacedBy: null,
    });
    return { key, secret };
  }

  private expiry(now: Date, input: NewKeyInput, violations: FieldViolation[]): Date | null {
    if (input.expireTime) {
      const seconds = (input.expireTime.getTime() - now.getTime()) / 1000;
      // An Invalid Date passes neither comparison below and would fail only in the database.
      if (Number.isNaN(seconds)) violations.push({ field: "expire_time", description: "must be a valid time" });
      else if (seconds <= 0) violations.push({ field: "expire_time", description: "must be in the future" });
      else if (seconds > maxLifetimeSeconds)
        violations.push({ field: "expire_time", description: "must be within one year" });
      return input.expireTime;
    }
    if (input.ttlSeconds !== undefined) {
      if (input.ttlSeconds <= 0 || input.ttlSeconds > maxLifetimeSeconds) {
        violations.push({ field: "ttl", description: "must be more than 0 and at most one year" });
      }
      return new Date(now.getTime() + input.ttlSeconds * 1000);
    }
    return null;
  }
}

/** requireKeyId refuses an empty id as every Get/Update names its missing id field, before any lookup. */
function requireKeyId(id: string): void {
  if (id === "") throw InvalidArgumentError.field("api_key_id", "is required");
}
