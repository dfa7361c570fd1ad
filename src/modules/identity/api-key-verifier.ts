/**
 * api-key-verifier.ts turns a presented API key into a Caller. Guard clauses, cheapest first:
 * malformed or bad checksum (no lookup) → cache → database by digest → revoked → expired. Every
 * failure looks the same to the caller. Verified keys are cached in process; revocation and rotation
 * reach every replica through the invalidation bus. Unknown and revoked digests are remembered briefly
 * in a separate, smaller cache, so a flood of made-up keys cannot evict the valid ones. Last use is
 * written at most once a minute per key.
 */
import type { MikroORM } from "@mikro-orm/postgresql";
import type { Clock } from "../../platform/clock.js";
import { acrossTenants, withTenant } from "../../platform/db/tenant-session.js";
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
const negativeCacheSize = 1_000;
const lastUseIntervalMs = 60_000;

/** ApiKeyVerifier verifies keys and announces revocations to every replica. */
export class ApiKeyVerifier {
  /** Keys found valid. */
  private readonly cache: KeyCache<Caller>;
  /** Digests found unknown or revoked: bounded apart, so they never push a valid key out. */
  private readonly negatives: KeyCache<Caller>;
  private readonly pending = new Map<string, Promise<Caller | undefined>>();
  private readonly lastUseWritten = new Map<string, number>();
  /**
   * generation counts invalidations. A lookup that began before the latest one may have read a row
   * from before the change (a revoke committing while the query ran), so it must not cache its answer.
   */
  private generation = 0;

  constructor(private readonly options: ApiKeyVerifierOptions) {
    const now = () => options.clock.now().getTime();
    this.cache = new KeyCache(options.cacheSize ?? 10_000, options.cacheTtlMs ?? 30_000, now);
    this.negatives = new KeyCache(negativeCacheSize, negativeTtlMs, now);
  }

  /** start subscribes to invalidations; call once before serving. */
  async start(): Promise<void> {
    await this.options.bus.subscribe(
      (keyId) => this.invalidate(keyId),
      () => this.clear(),
    );
  }

  /** announce tells every replica (this one included) to forget a key that changed. */
  async announce(keyId: string): Promise<void> {
    this.invalidate(keyId);
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
   * With mayLookUp false (the client's address has spent its failures) a key not in the cache is
   * answered undefined without a query: known keys keep working, made-up ones cost nothing.
   */
  verify(secret: string, mayLookUp = true): Caller | undefined | Promise<Caller | undefined> {
    if (!isWellFormedApiKey(secret)) return undefined;
    const digest = apiKeyDigest(secret);
    const cached = this.cache.get(digest) ?? this.negatives.get(digest);
    if (!cached) return mayLookUp ? this.lookupOnce(digest).then((caller) => this.touched(caller)) : undefined;
    return this.touched(this.usable(cached.caller, cached.expireTime));
  }

  private invalidate(keyId: string): void {
    this.generation++;
    // Requests from now on must not join a lookup that may have read the row before the change.
    this.pending.clear();
    this.cache.invalidate(keyId);
    this.negatives.invalidate(keyId);
  }

  private clear(): void {
    this.generation++;
    this.pending.clear();
    this.cache.clear();
    this.negatives.clear();
  }

  private touched(caller: Caller | undefined): Caller | undefined {
    if (caller?.principal.kind === "api_key") this.touch(caller.organisationId, caller.principal.apiKeyId);
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
      const started = this.lookup(digest).finally(() => {
        // An invalidation may have replaced this lookup with a newer one: leave that in place.
        if (this.pending.get(digest) === started) this.pending.delete(digest);
      });
      lookup = started;
      this.pending.set(digest, lookup);
    }
    return lookup;
  }

  private async lookup(digest: string): Promise<Caller | undefined> {
    // The organisation is what we are finding out, so the tenant filter cannot apply yet: this is
    // the one query that looks across organisations, by a unique digest.
    const generation = this.generation;
    const key = await acrossTenants(this.options.orm, "api key lookup", (em) =>
      em.findOne(ApiKey, { digest }, { filters: false, populate: ["organisation"] }),
    );
    // Answer, but do not remember, what an invalidation during the query may have made stale.
    const cacheable = generation === this.generation;
    if (!key || key.revokeTime) {
      if (cacheable) this.negatives.set(digest, { keyId: key?.id, caller: undefined, expireTime: undefined });
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
    if (cacheable) this.cache.set(digest, { keyId: key.id, caller, expireTime });
    return this.usable(caller, expireTime);
  }

  /** touch records last use, at most once a minute per key on this replica and in the database. */
  private touch(organisationId: string, keyId: string): void {
    const now = this.options.clock.now();
    const last = this.lastUseWritten.get(keyId) ?? 0;
    if (now.getTime() - last < lastUseIntervalMs) return;
    this.lastUseWritten.set(keyId, now.getTime());
    if (this.lastUseWritten.size > 100_000) this.lastUseWritten.clear();
    const minute = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
    withTenant(this.options.orm, organisationId, (em) =>
      em.nativeUpdate(
        ApiKey,
        { id: keyId, $or: [{ lastUseTime: null }, { lastUseTime: { $lt: minute } }] },
        { lastUseTime: minute },
      ),
    ).catch((error: unknown) =>
      this.options.logger.warn({ err: error, api_key_id: keyId }, "could not record API key use"),
    );
  }
}
