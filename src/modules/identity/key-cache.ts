/**
 * key-cache.ts remembers verified API keys in process, so a request with a known key costs no
 * database query. Bounded (least recently used entries go first) and short-lived (a lost
 * invalidation message is healed by the TTL); entries are dropped by key id when a key is revoked or
 * rotated anywhere (the invalidation bus).
 */

/** CachedKey is what verification needs of a key; undefined caller marks a known-bad digest. */
export interface CachedKey<C> {
  keyId: string | undefined;
  caller: C | undefined;
  /** When the key stops working, if ever. */
  expireTime: Date | undefined;
}

interface Entry<C> extends CachedKey<C> {
  cachedAt: number;
}

/** KeyCache is an LRU map from key digest to verification result with a TTL. */
export class KeyCache<C> {
  private readonly byDigest = new Map<string, Entry<C>>();
  private readonly digestById = new Map<string, string>();

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
    /** Milliseconds since the epoch, from the owner's clock. */
    private readonly now: () => number,
  ) {}

  get(digest: string): CachedKey<C> | undefined {
    const entry = this.byDigest.get(digest);
    if (!entry) return undefined;
    if (this.now() - entry.cachedAt >= this.ttlMs) {
      this.delete(digest);
      return undefined;
    }
    // Map keeps insertion order: moving the entry to the end makes the first entry the least recent.
    this.byDigest.delete(digest);
    this.byDigest.set(digest, entry);
    return entry;
  }

  set(digest: string, value: CachedKey<C>, ttlMs = this.ttlMs): void {
    this.delete(digest);
    this.byDigest.set(digest, { ...value, cachedAt: this.now() - (this.ttlMs - ttlMs) });
    if (value.keyId) this.digestById.set(value.keyId, digest);
    while (this.byDigest.size > this.maxEntries) {
      const oldest = this.byDigest.keys().next().value;
      if (oldest === undefined) break;
      this.delete(oldest);
    }
  }

  /** invalidate drops the entry of a key id (revoked or rotated). */
  invalidate(keyId: string): void {
    const digest = this.digestById.get(keyId);
    if (digest !== undefined) this.delete(digest);
  }

  /** clear drops everything (after a gap in invalidation messages). */
  clear(): void {
    this.byDigest.clear();
    this.digestById.clear();
  }

  get size(): number {
    return this.byDigest.size;
  }

  private delete(digest: string): void {
    const entry = this.byDigest.get(digest);
    if (!entry) return;
    this.byDigest.delete(digest);
    if (entry.keyId && this.digestById.get(entry.keyId) === digest) this.digestById.delete(entry.keyId);
  }
}
