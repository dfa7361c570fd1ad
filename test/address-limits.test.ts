/**
 * Limits on client addresses before authentication, on a real server over REST: failed
 * authentications spend an address's budget and then get 429 before any database query (counted at
 * the driver: every query the server's knex sends); other addresses keep theirs; X-Forwarded-For
 * decides the address only from a trusted proxy; IPv6 addresses of one /64 share a budget; public
 * RPCs are limited per address.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateApiKey } from "../src/modules/identity/api-key-format.js";
import { sessionCookieName } from "../src/rpc/session-cookie.js";
import { newApiKey, newOrganisation } from "./support/fixtures.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

/** Five failures at once, then one a minute: no refill within a test. */
const failedAuth = { failedAuthPerMinute: 1, failedAuthBurst: 5 };
const publicCalls = { publicPerMinute: 1, publicBurst: 3 };

let proxied: TestServer;
let direct: TestServer;
/** Queries the proxied server's database driver has sent so far. */
let queries = 0;

beforeAll(async () => {
  [proxied, direct] = await Promise.all([
    startTestServer({ trustedProxies: ["127.0.0.1"], rateLimit: { ...failedAuth, ...publicCalls } }),
    startTestServer({ rateLimit: { ...failedAuth, ...publicCalls } }),
  ]);
  proxied.database.orm.em
    .getConnection()
    .getKnex()
    .on("query", () => queries++);
});
afterAll(async () => Promise.all([proxied?.close(), direct?.close()]));

/** A fresh address from TEST-NET-2 for each test, so budgets never carry over. */
function freshAddress(): string {
  const b = randomBytes(2);
  return `198.51.${b[0]}.${b[1]! % 254 || 1}`;
}

function get(server: TestServer, headers: Record<string, string>, path = "/v1/mandates/MD1") {
  return fetch(`${server.baseUrl}${path}`, { headers });
}

async function statusOf(server: TestServer, headers: Record<string, string>, path?: string): Promise<number> {
  const res = await get(server, headers, path);
  await res.arrayBuffer();
  return res.status;
}

/** A random 16-bit IPv6 group as the service writes it (no leading zeros). */
const hexGroup = () => randomBytes(2).readUInt16BE().toString(16);

/** A well-formed key that no one issued: its checksum passes, so only a lookup can tell. */
const madeUpKey = () => ({ authorization: `Bearer ${generateApiKey("test")}` });

describe("failed authentication from one address", () => {
  it("gets 429 after the limit, with the rate-limit answer, before any database query", async () => {
    const from = { "x-forwarded-for": freshAddress() };
    const start = queries;
    const first: number[] = [];
    for (let i = 0; i < failedAuth.failedAuthBurst; i++)
      first.push(await statusOf(proxied, { ...from, ...madeUpKey() }));
    expect(first).toEqual(Array(failedAuth.failedAuthBurst).fill(401));

    // The counter sees lookups: each of the first made-up keys was looked up in the database.
    const before = queries;
    expect(before - start).toBeGreaterThanOrEqual(failedAuth.failedAuthBurst);
    const refused = await get(proxied, { ...from, ...madeUpKey() });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(refused.headers.get("ratelimit-policy")).toBe('"failed_auth";q=1;w=60');
    expect(refused.headers.get("ratelimit")).toMatch(/^"failed_auth";r=0;t=\d+$/);
    const body = JSON.stringify(await refused.json());
    expect(body).toContain("RATE_LIMITED");
    expect(body).toContain("google.rpc.RetryInfo");
    expect(body).toContain(`address:${from["x-forwarded-for"]}`);
    // Made-up keys, well-formed session cookies, malformed keys: all refused, none looked up.
    const more = [];
    for (let i = 0; i < 20; i++) {
      more.push(await statusOf(proxied, { ...from, ...madeUpKey() }));
      more.push(
        await statusOf(proxied, {
          ...from,
          cookie: `${sessionCookieName(true)}=${randomBytes(32).toString("base64url")}`,
        }),
      );
      more.push(await statusOf(proxied, { ...from, authorization: "Bearer not-a-key" }));
    }
    expect(new Set(more)).toEqual(new Set([429]));
    expect(queries - before).toBe(0);
  });

  it("still admits a key this replica has verified: the budget guards lookups, not known keys", async () => {
    const organisationId = await newOrganisation(proxied);
    const { secret } = await newApiKey(proxied, organisationId);
    const from = { "x-forwarded-for": freshAddress() };
    expect(await statusOf(proxied, { ...from, authorization: `Bearer ${secret}` })).toBe(404);
    for (let i = 0; i < failedAuth.failedAuthBurst; i++) await statusOf(proxied, { ...from, ...madeUpKey() });
    expect(await statusOf(proxied, { ...from, ...madeUpKey() })).toBe(429);
    expect(await statusOf(proxied, { ...from, authorization: `Bearer ${secret}` })).toBe(404);
  });

  it("leaves other addresses unaffected", async () => {
    const spent = { "x-forwarded-for": freshAddress() };
    for (let i = 0; i <= failedAuth.failedAuthBurst; i++) await statusOf(proxied, { ...spent, ...madeUpKey() });
    expect(await statusOf(proxied, { ...spent, ...madeUpKey() })).toBe(429);
    expect(await statusOf(proxied, { "x-forwarded-for": freshAddress(), ...madeUpKey() })).toBe(401);
  });

  it("counts two IPv6 addresses of one /64 as one address, and another /64 apart", async () => {
    const prefix = `2001:db8:${hexGroup()}:${hexGroup()}`;
    for (let i = 0; i < failedAuth.failedAuthBurst; i++)
      expect(await statusOf(proxied, { "x-forwarded-for": `${prefix}::${i + 1}`, ...madeUpKey() })).toBe(401);
    const sibling = await get(proxied, { "x-forwarded-for": `${prefix}:ffff:ffff:ffff:fffe`, ...madeUpKey() });
    expect(sibling.status).toBe(429);
    expect(JSON.stringify(await sibling.json())).toContain(`address:${prefix}::/64`);
    const neighbour = `2001:db8:${hexGroup()}:${hexGroup()}::1`;
    expect(await statusOf(proxied, { "x-forwarded-for": neighbour, ...madeUpKey() })).toBe(401);
  });

  it("believes X-Forwarded-For only from a trusted proxy: the first untrusted hop from the right", async () => {
    // The client made up the left entry; the trusted proxy (127.0.0.1) appended the real address.
    const real = freshAddress();
    for (let i = 0; i <= failedAuth.failedAuthBurst; i++)
      await statusOf(proxied, { "x-forwarded-for": `${freshAddress()}, ${real}`, ...madeUpKey() });
    expect(await statusOf(proxied, { "x-forwarded-for": `${freshAddress()}, ${real}`, ...madeUpKey() })).toBe(429);
  });

  it("ignores X-Forwarded-For without TRUSTED_PROXIES: the TCP peer is the address", async () => {
    const statuses: number[] = [];
    for (let i = 0; i <= failedAuth.failedAuthBurst; i++)
      statuses.push(await statusOf(direct, { "x-forwarded-for": freshAddress(), ...madeUpKey() }));
    expect(statuses).toEqual([...Array(failedAuth.failedAuthBurst).fill(401), 429]);
    const refused = await get(direct, { "x-forwarded-for": freshAddress(), ...madeUpKey() });
    expect(refused.status).toBe(429);
    expect(JSON.stringify(await refused.json())).toContain("address:127.0.0.1");
  });

  it("does not count missing credentials", async () => {
    const from = { "x-forwarded-for": freshAddress() };
    for (let i = 0; i < 2 * failedAuth.failedAuthBurst; i++) expect(await statusOf(proxied, from)).toBe(401);
    expect(await statusOf(proxied, { ...from, ...madeUpKey() })).toBe(401);
  });
});

describe("public RPCs from one address", () => {
  const post = (path: string, from: string, body: unknown) =>
    fetch(`${proxied.baseUrl}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": from },
      body: JSON.stringify(body),
    });

  it.each([
    ["SignIn", "/v1/sessions:signIn", { email: "nobody@example.com", password: "not-the-password" }, 401],
    ["CompleteMandateInvite", "/v1/mandateInvites/not-a-token:complete", {}, 400],
  ])("%s answers 429 past the address's limit, with the rate-limit answer", async (_name, path, body, within) => {
    const from = freshAddress();
    const first: number[] = [];
    for (let i = 0; i < publicCalls.publicBurst; i++) {
      const res = await post(path, from, body);
      await res.arrayBuffer();
      first.push(res.status);
    }
    expect(first).not.toContain(429);
    expect(first[0]).toBe(within);
    const refused = await post(path, from, body);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(refused.headers.get("ratelimit-policy")).toBe('"public";q=1;w=60');
    const answer = JSON.stringify(await refused.json());
    expect(answer).toContain("RATE_LIMITED");
    expect(answer).toContain(`address:${from}`);
    const other = await post(path, freshAddress(), body);
    expect(other.status).toBe(within);
  });
});
