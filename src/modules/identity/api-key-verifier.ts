/**
 * api-key-verifier.ts turns a presented API key into a Caller. Guard clauses, cheapest first:
 * malformed or bad checksum (no lookup) → cache → database by digest → revoked → expired. Every
 * failure looks the same to the caller. Verified keys are cached in process; revocation and rotation
 * reach every replica through the invalidation bus. Last use is written at most once a minute per key.
 */
import type { MikroORM } from "@mikro-orm/postgresql";
import type { Clock } from "../../platform/clock.js";
import type { Logger } from "../../platform/observability/logger.js";
import type { InvalidationBus } from "../../platform/redis/invalidation-bus.js";
import { ApiKey } from "./api-key.entity.js";
import { apiKeyDigest, isWellFormedApiKey } from "./api-key-format.js";
import type { Caller } from "./caller.js";
import { KeyCache } from "./key-cache.js";

export interface ApiKeyVerifierOptions {
  orm: MikroORM;
  bus: InvalidationBus;
  clock: Clock;
  logger: Logger;
  /** Most keys remembered at once. */
  cacheSize?: number;
  /** How long a verified key is trusted without asking the database again, in ms. */
  cacheTtlMs?: number;
}

const negativeTtlMs = 5_000;
const lastUseIntervalMs = 60_000;

/** ApiKeyVerifier verifies keys and announces revocations to every replica. */
export class ApiKeyVerifier {
  private readonly cache: KeyCache<Caller>;
  private readonly pending = new Map<string, Promise<Caller | undefined>>();
  private readonly lastUseWritten = new Map<string, number>();

  constructor(private readonly options: ApiKeyVerifierOptions) {
    this.cache = new KeyCache(options.cacheSize ?? 10_000, options.cacheTtlMs ?? 30_000, () => options.clock.now().getTime());
  }

  /** start subscribes to invalidations; call once before serving. */
  async start(): Promise<void> {
    await this.options.bus.subscribe(
      (keyId) => this.cache.invalidate(keyId),
      () => this.cache.clear(),
    );
  }

  /** announce tells every replica (this one included) to forget a key that changed. */
  async announce(keyId: string): Promise<void> {
    this.cache.invalidate(keyId);
    try {
      await this.options.bus.publish(keyId);
    } catch (error) {
      // Other replicas still drop it when their cache entry expires (cacheTtlMs).
      this.options.logger.warn({ err: error, api_key_id: keyId }, "could not announce API key change");
    }
  }

  /**
   * verify returns the caller for a valid key, or undefined; never says why. A cache hit answers
   * synchronously (no promise: see docs/engineering-notes.md on promise hooks); a miss, with a promise.
   */
  verify(secret: string): Caller | undefined | Promise<Caller | undefined> {
    if (!isWellFormedApiKey(secret)) return undefined;
    const digest = apiKeyDigest(secret);
    const cached = this.cache.get(digest);
    if (!cached) return this.lookupOnce(digest).then((caller) => this.touched(caller));
    return this.touched(this.usable(cached.caller, cached.expireTime));
  }

  private touched(caller: Caller | undefined): Caller | undefined {
    if (caller?.principal.kind === "api_key") this.touch(caller.principal.apiKeyId);
    return caller;
  }

  private usable(caller: Caller | undefined, expireTime: Date | undefined): Caller | undefined {
    if (!caller) return undefined;
    if (expireTime && expireTime.getTime() <= this.options.clock.now().getTime()) return undefined;
    return caller;
  }

  /** lookupOnce shares one database query among concurrent requests with the same key. */
  private lookupOnce(digest: string): Promise<Caller | undefined> {
    let lookup = this.pending.get(digest);
    if (!lookup) {
      lookup = this.lookup(digest).finally(() => this.pending.delete(digest));
      this.pending.set(digest, lookup);
    }
    return lookup;
  }

  private async lookup(digest: string): Promise<Caller | undefined> {
    // The organisation is what we are finding out, so the tenant filter cannot apply yet: this is
    // the one query that looks across organisations, by a unique digest.
    const em = this.options.orm.em.fork();
    const key = await em.findOne(ApiKey, { digest }, { filters: false, populate: ["organisation"] });
    if (!key || key.revokeTime) {
      this.cache.set(digest, { keyId: key?.id, caller: undefined, expireTime: undefined }, negativeTtlMs);
      return undefined;
    }
    const organisation = key.organisation.getEntity();
    const caller: Caller = {
      organisationId: organisation.id,
      sandbox: organisation.sandbox,
      principal: { kind: "api_key", apiKeyId: key.id },
      scopes: new Set(key.scopes),
    };
    const expireTime = key.expireTime ?? undefined;
    this.cache.set(digest, { keyId: key.id, caller, expireTime });
    return this.usable(caller, expireTime);
  }

  /** touch records last use, at most once a minute per key on this replica and in the database. */
  private touch(keyId: string): void {
    const now = this.options.clock.now();
    const last = this.lastUseWritten.get(keyId) ?? 0;
    if (now.getTime() - last < lastUseIntervalMs) return;
    this.lastUseWritten.set(keyId, now.getTime());
    if (this.lastUseWritten.size > 100_000) this.lastUseWritten.clear();
    const minute = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
    const em = this.options.orm.em.fork();
    em.nativeUpdate(
      ApiKey,
      { id: keyId, $or: [{ lastUseTime: null }, { lastUseTime: { $lt: minute } }] },
      { lastUseTime: minute },
      { filters: false },
    ).catch((error: unknown) => this.options.logger.warn({ err: error, api_key_id: keyId }, "could not record API key use"));
  }
}
