/**
 * Revocation reaches every replica at once: two server processes share PostgreSQL and Redis; a key
 * revoked through one is refused by the other, which had it cached, from the first request after the
 * invalidation message reached it. That is checked by order, not by a deadline, so it holds however
 * loaded the machine is: this test subscribes to the channel too, and once it has the message and
 * Redis has answered a later command, Redis has written the message to every subscriber, so it is
 * waiting on the other replica's connection before the request is sent. How long delivery took
 * (from the revoke's answer) is reported.
 */

import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PasswordHasher } from "../src/modules/identity/password.js";
import { Provisioning } from "../src/modules/identity/provisioning.js";
import { systemClock } from "../src/platform/clock.js";
import { acrossTenants, withTenant } from "../src/platform/db/tenant-session.js";
import { createLogger } from "../src/platform/observability/logger.js";
import { connectRedis, type RedisClient } from "../src/platform/redis/client.js";
import { issueKeyInDatabase, liveBacsIdentity, sessionToken } from "./support/fixtures.js";
import { type OpenTestDatabase, openTestDatabase } from "./support/open-test-database.js";
import { type ServiceProcess, serviceSecrets, startService } from "./support/service-process.js";
import { testPasswordCost } from "./support/test-password-cost.js";

const redisUrl = process.env.TEST_REDIS_URL || "redis://127.0.0.1:6379";
let database: OpenTestDatabase;
let replicas: { process: ServiceProcess; baseUrl: string }[] = [];
/** Every process started, listening or not, so afterAll stops them all even after a failed start. */
const started: ServiceProcess[] = [];
let redis: RedisClient;
let subscriber: RedisClient;
/** Invalidation messages this test has received (key ids). */
const invalidated: string[] = [];
const prefix = `ddtest:${randomBytes(6).toString("hex")}:`;
let organisationId: string;
const admin = {
  email: `admin-${randomBytes(4).toString("hex")}@example.com`,
  password: randomBytes(12).toString("base64url"),
};

beforeAll(async () => {
  database = await openTestDatabase();
  const provisioning = new Provisioning({ clock: systemClock, passwords: new PasswordHasher(testPasswordCost) });
  organisationId = (
    await acrossTenants(database.orm, "provisioning", (em) =>
      provisioning.createOrganisation(em, { name: "Replicas", sandbox: false, ...liveBacsIdentity("Replicas") }),
    )
  ).id;
  await withTenant(database.orm, organisationId, (em) =>
    provisioning.createUser(em, { organisationId, email: admin.email, role: "admin", password: admin.password }),
  );
  redis = await connectRedis(redisUrl, createLogger("silent"), 10_000);
  subscriber = redis.duplicate();
  await subscriber.connect();
  await subscriber.subscribe(`${prefix}apikeys:invalidate`, (keyId) => invalidated.push(keyId));
  replicas = await Promise.all(
    [0, 1].map(async () => {
      const process = startService({
        ...database.env,
        ...serviceSecrets,
        REDIS_URL: redisUrl,
        REDIS_KEY_PREFIX: prefix,
      });
      started.push(process);
      const listening = await process.waitFor("listening");
      return { process, baseUrl: `http://127.0.0.1:${listening.port}` };
    }),
  );
}, 120_000);

afterAll(async () => {
  await Promise.all(started.map((process) => process.stop()));
  await subscriber?.close();
  if (redis) {
    // The replicas' keys (sign-in counts, rate-limit buckets) share the prefix.
    for await (const keys of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 }))
      if (keys.length > 0) await redis.del(keys);
    await redis.close();
  }
  await database?.close();
}, 60_000);

const issueKey = () => issueKeyInDatabase(database.orm, organisationId);

async function signInAdmin(baseUrl: string): Promise<string> {
  const res = await fetch(`${baseUrl}/v1/sessions:signIn`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(admin),
  });
  expect(res.status).toBe(200);
  return (res.headers.get("set-cookie") ?? "").split(";")[0]!;
}

const readStatus = (baseUrl: string, secret: string) =>
  fetch(`${baseUrl}/v1/mandates/MD1`, { headers: { authorization: `Bearer ${secret}` } }).then((r) => r.status);

describe("revocation across replicas", () => {
  it("is refused by the other replica from the first request after the message reached it (5 trials)", async () => {
    const [a, b] = replicas as [(typeof replicas)[0], (typeof replicas)[0]];
    const cookie = await signInAdmin(a.baseUrl);
    const delays: number[] = [];
    const issued: string[] = [];
    for (let trial = 0; trial < 5; trial++) {
      const key = await issueKey();
      issued.push(key.secret);
      // Both replicas have verified (and cached) the key.
      expect(await readStatus(a.baseUrl, key.secret)).toBe(404);
      expect(await readStatus(b.baseUrl, key.secret)).toBe(404);
      const revoked = await fetch(`${a.baseUrl}/v1/apiKeys/${key.id}:revoke`, {
        method: "POST",
        headers: { cookie, "content-type": "application/json" },
        body: "{}",
      });
      expect(revoked.status).toBe(200);
      const start = performance.now();
      // The revoking replica published before answering; wait for the message to reach this test.
      await expect.poll(() => invalidated.includes(key.id), { timeout: 20_000, interval: 5 }).toBe(true);
      delays.push(performance.now() - start);
      // Redis answers this after it has flushed the message to every subscriber's connection.
      await redis.ping();
      expect(await readStatus(b.baseUrl, key.secret), `trial ${trial}: the other replica`).toBe(401);
      expect(await readStatus(a.baseUrl, key.secret)).toBe(401);
    }
    const secrets = [admin.password, sessionToken(cookie), ...issued];
    for (const replica of replicas) {
      for (const line of [...replica.process.rawLines, ...replica.process.stderr]) {
        for (const secret of secrets) expect(line.includes(secret), `log line contains a secret: ${line}`).toBe(false);
      }
    }
    console.log(
      `revocation messages delivered ${delays.map((d) => d.toFixed(1)).join(", ")} ms after the revoke answered (worst ${Math.max(...delays).toFixed(1)} ms)`,
    );
  });
});
