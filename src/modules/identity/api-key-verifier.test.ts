import type { MikroORM } from "@mikro-orm/postgresql";
import { describe, expect, it } from "vitest";
import type { Clock } from "../../platform/clock.js";
import { createLogger } from "../../platform/observability/logger.js";
import { createInProcessBus, type InvalidationBus } from "../../platform/redis/invalidation-bus.js";
import { apiKeyDigest, generateApiKey } from "./api-key-format.js";
import { ApiKeyVerifier } from "./api-key-verifier.js";

interface Row {
  id: string;
  revokeTime: Date | null;
  expireTime: Date | null;
  scopes: string[];
  organisation: { getEntity(): { id: string; sandbox: boolean } };
}

/**
 * A clock that stands still: the verifier's caches expire by it (30 s for keys, 5 s for unknown
 * ones), so what a test finds cached never depends on how fast it ran.
 */
const stillClock: Clock = { now: () => new Date("2027-03-01T10:00:00Z") };

function row(id: string, revoked = false): Row {
  return {
    id,
    revokeTime: revoked ? stillClock.now() : null,
    expireTime: null,
    scopes: ["mandates:read"],
    organisation: { getEntity: () => ({ id: "OR1", sandbox: false }) },
  };
}

/**
 * A database of API keys by digest whose lookups the test controls: each lookup is recorded, and
 * answers at once unless `hold` is set, when it waits for the test to release it.
 */
function fakeDatabase() {
  const db = {
    rows: new Map<string, Row>(),
    lookups: 0,
    hold: false,
    held: [] as (() => void)[],
    orm: undefined as unknown as MikroORM,
  };
  const findOne = async (_entity: unknown, where: { digest: string }) => {
    db.lookups++;
    // The row as it is when the query reads it; the answer may arrive later.
    const found = db.rows.get(where.digest) ?? null;
    if (db.hold) await new Promise<void>((release) => db.held.push(release));
    return found;
  };
  // Enough of an EntityManager for the verifier's lookup (acrossTenants) and last-use write (withTenant).
  const fork = () => {
    const em = {
      findOne,
      nativeUpdate: async () => 0,
      setFilterParams() {},
      transactional: (work: (tx: unknown) => Promise<unknown>) => work(em),
    };
    return em;
  };
  db.orm = { em: { fork } } as unknown as MikroORM;
  return db;
}

/**
 * Starts verifying a valid key AK1 and holds its lookup at the database, as a slow query would, so
 * the test can revoke the key meanwhile. `revoke` changes the row only; `release` lets the lookup
 * answer with the row it read.
 */
async function heldLookupOfValidKey(db: ReturnType<typeof fakeDatabase>, verifier: ApiKeyVerifier) {
  const secret = generateApiKey("live");
  const digest = apiKeyDigest(secret);
  db.rows.set(digest, row("AK1"));
  db.hold = true;
  const inFlight = verifier.verify(secret);
  await new Promise((r) => setImmediate(r));
  expect(db.held).toHaveLength(1);
  return {
    secret,
    inFlight,
    revoke: () => db.rows.set(digest, row("AK1", true)),
    release: () => {
      for (const release of db.held.splice(0)) release();
      db.hold = false;
    },
  };
}

function verifierOn(db: ReturnType<typeof fakeDatabase>, cacheSize = 10_000) {
  return new ApiKeyVerifier({
    orm: db.orm,
    bus: createInProcessBus(),
    clock: stillClock,
    logger: createLogger("silent"),
    cacheSize,
  });
}

describe("ApiKeyVerifier", () => {
  it("keeps valid keys cached through a flood of unknown well-formed keys", async () => {
    const db = fakeDatabase();
    const verifier = verifierOn(db, 10);
    const secret = generateApiKey("live");
    db.rows.set(apiKeyDigest(secret), row("AK1"));
    expect(await verifier.verify(secret)).toBeDefined();
    for (let i = 0; i < 500; i++) expect(await verifier.verify(generateApiKey("live"))).toBeUndefined();
    const lookups = db.lookups;
    const again = verifier.verify(secret);
    if (again instanceof Promise) throw new Error("the valid key was evicted: verification queried again");
    expect(again?.principal).toEqual({ kind: "api_key", apiKeyId: "AK1" });
    expect(db.lookups).toBe(lookups);
  });

  it("still remembers an unknown key briefly", async () => {
    const db = fakeDatabase();
    const verifier = verifierOn(db);
    const unknown = generateApiKey("live");
    expect(await verifier.verify(unknown)).toBeUndefined();
    expect(verifier.verify(unknown)).toBeUndefined();
    expect(db.lookups).toBe(1);
  });

  it("does not cache a lookup that was under way when the key was revoked", async () => {
    const db = fakeDatabase();
    const verifier = verifierOn(db);
    // The lookup reads the row while the key is still valid...
    const { secret, inFlight, revoke, release } = await heldLookupOfValidKey(db, verifier);
    // ...then the revoke commits and is announced before the lookup finishes.
    revoke();
    await verifier.announce("AK1");
    // A request after the announcement does not join the stale lookup.
    const afterRevoke = verifier.verify(secret);
    expect(db.lookups).toBe(2);
    release();
    expect((await inFlight)?.principal).toEqual({ kind: "api_key", apiKeyId: "AK1" });
    expect(await afterRevoke).toBeUndefined();
    // The stale answer was not remembered: the next request asks again and is refused.
    expect(await verifier.verify(secret)).toBeUndefined();
  });

  it("does not cache a lookup that was under way when the cache was cleared", async () => {
    const db = fakeDatabase();
    // A bus whose resync (messages may have been missed) the test can call.
    let resync = () => {};
    const bus: InvalidationBus = {
      publish: async () => {},
      subscribe: async (_onMessage, onResync) => {
        resync = onResync;
      },
      close: async () => {},
    };
    const verifier = new ApiKeyVerifier({ orm: db.orm, bus, clock: stillClock, logger: createLogger("silent") });
    await verifier.start();
    const { secret, inFlight, revoke, release } = await heldLookupOfValidKey(db, verifier);
    revoke();
    resync();
    release();
    await inFlight;
    expect(await verifier.verify(secret)).toBeUndefined();
  });
});
