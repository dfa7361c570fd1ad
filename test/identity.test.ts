/**
 * Identity end to end on a real server: API keys (rotation overlap, last use), sessions (cookie flags,
 * sign-out, CSRF origin check, throttling, same answer for wrong email and wrong password), audit, and
 * that no secret ever reaches a log line.
 */
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiKeyService } from "../gen/dd/v1/api_keys_pb.js";
import { BadRequestSchema } from "../gen/google/rpc/error_details_pb.js";
import { ApiKey } from "../src/modules/identity/api-key.entity.js";
import { AuditEvent } from "../src/modules/identity/audit-event.entity.js";
import { scopeToOrganisation } from "../src/platform/db/tenant-filter.js";
import {
  allScopes,
  newApiKey,
  newOrganisation,
  newSignedInUser,
  newUser,
  sessionToken,
  signIn,
} from "./support/fixtures.js";
import { TestClock } from "./support/test-clock.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

let server: TestServer;
const clock = new TestClock();
const secrets: string[] = [];

beforeAll(async () => {
  server = await startTestServer({ clock, corsOrigins: ["https://app.example.com"] });
});
afterAll(async () => server?.close());

function get(path: string, headers: Record<string, string>) {
  return fetch(`${server.baseUrl}${path}`, { headers });
}

function post(path: string, headers: Record<string, string>, body: unknown = {}) {
  return fetch(`${server.baseUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

/** A DD read RPC: passing authentication and authorization means reaching the (unbuilt) handler. */
const readPath = "/v1/mandates/MD1";
const passed = (status: number) => status !== 401 && status !== 403;

describe("API key rotation", () => {
  it("keeps old and new keys working inside the grace window, only the new one after it", async () => {
    const org = await newOrganisation(server);
    const admin = await newSignedInUser(server, org, "admin");
    secrets.push(admin.password, admin.cookie);
    const created = (await (
      await post("/v1/apiKeys", { cookie: admin.cookie }, { name: "agentOS", scopes: allScopes })
    ).json()) as {
      apiKey: { id: string };
      secret: string;
    };
    secrets.push(created.secret);
    const rotated = await post(
      `/v1/apiKeys/${created.apiKey.id}:rotate`,
      { cookie: admin.cookie },
      { gracePeriod: "3600s" },
    );
    expect(rotated.status).toBe(200);
    const body = (await rotated.json()) as {
      secret: string;
      apiKey: { id: string; rotatedFrom: string };
      previousApiKey: { replacedBy: string; expireTime: string };
    };
    secrets.push(body.secret);
    expect(body.apiKey.rotatedFrom).toBe(created.apiKey.id);
    expect(body.previousApiKey.replacedBy).toBe(body.apiKey.id);
    expect(body.secret).not.toBe(created.secret);

    expect(passed((await get(readPath, { authorization: `Bearer ${created.secret}` })).status)).toBe(true);
    expect(passed((await get(readPath, { authorization: `Bearer ${body.secret}` })).status)).toBe(true);
    clock.advance(3600_000 + 1000);
    expect((await get(readPath, { authorization: `Bearer ${created.secret}` })).status).toBe(401);
    expect(passed((await get(readPath, { authorization: `Bearer ${body.secret}` })).status)).toBe(true);
  });

  it("lets only one of two concurrent rotations of a key succeed, the other answering API_KEY_ALREADY_ROTATED", async () => {
    const org = await newOrganisation(server);
    const admin = await newSignedInUser(server, org, "admin");
    const key = await newApiKey(server, org);
    const answers = await Promise.all(
      [0, 1].map(() => post(`/v1/apiKeys/${key.id}:rotate`, { cookie: admin.cookie }, {})),
    );
    expect(answers.map((r) => r.status).sort()).toEqual([200, 400]);
    const refused = answers.find((r) => r.status === 400)!;
    expect(JSON.stringify(await refused.json())).toContain("API_KEY_ALREADY_ROTATED");
    const em = scopeToOrganisation(server.admin.em.fork(), org);
    expect(await em.count(ApiKey, { rotatedFrom: key.id })).toBe(1);
  });

  it("lets only one of two concurrent revocations succeed and audits it once", async () => {
    const org = await newOrganisation(server);
    const admin = await newSignedInUser(server, org, "admin");
    const key = await newApiKey(server, org);
    const answers = await Promise.all(
      [0, 1].map(() => post(`/v1/apiKeys/${key.id}:revoke`, { cookie: admin.cookie }, {})),
    );
    expect(answers.map((r) => r.status).sort()).toEqual([200, 400]);
    expect(JSON.stringify(await answers.find((r) => r.status === 400)!.json())).toContain("API_KEY_REVOKED");
    const em = scopeToOrganisation(server.admin.em.fork(), org);
    expect(await em.count(AuditEvent, { action: "api_key.revoke", target: key.id })).toBe(1);
  });

  it("refuses a grace period over 7 days, naming the field", async () => {
    const org = await newOrganisation(server);
    const admin = await newSignedInUser(server, org, "admin");
    const key = await newApiKey(server, org);
    const res = await post(`/v1/apiKeys/${key.id}:rotate`, { cookie: admin.cookie }, { gracePeriod: `${8 * 86400}s` });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain('"field":"grace_period"');
  });
  it("answers INVALID_ARGUMENT naming api_key_id for an empty id on get, revoke and rotate", async () => {
    const org = await newOrganisation(server);
    const admin = await newSignedInUser(server, org, "admin");
    const client = createClient(ApiKeyService, createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "1.1" }));
    const options = { headers: { cookie: admin.cookie } };
    for (const [name, call] of [
      ["get", () => client.getApiKey({ apiKeyId: "" }, options)],
      ["revoke", () => client.revokeApiKey({ apiKeyId: "" }, options)],
      ["rotate", () => client.rotateApiKey({ apiKeyId: "" }, options)],
    ] as const) {
      const error = await call().then(
        () => undefined,
        (e: unknown) => ConnectError.from(e),
      );
      expect(error?.code, name).toBe(Code.InvalidArgument);
      expect(error?.findDetails(BadRequestSchema)[0]?.fieldViolations.map((v) => v.field)).toEqual(["api_key_id"]);
    }
  });
});

describe("API key creation", () => {
  it("answers INVALID_ARGUMENT naming expire_time for a timestamp out of the protobuf range or in the past, over Connect and gRPC", async () => {
    const org = await newOrganisation(server);
    const admin = await newSignedInUser(server, org, "admin");
    const transports = {
      connect: createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "1.1" }),
      grpc: createGrpcTransport({ baseUrl: server.baseUrl }),
    };
    const nowSeconds = BigInt(Math.floor(clock.now().getTime() / 1000));
    for (const [name, transport] of Object.entries(transports)) {
      const client = createClient(ApiKeyService, transport);
      for (const expireTime of [
        { seconds: 100_000_000_000_000n },
        { seconds: -100_000_000_000_000n },
        { seconds: nowSeconds + 3600n, nanos: -1 },
        { seconds: nowSeconds - 60n },
      ]) {
        const error = await client
          .createApiKey(
            { name: "k", scopes: ["mandates:read"], expiration: { case: "expireTime", value: expireTime } },
            { headers: { cookie: admin.cookie } },
          )
          .then(
            () => undefined,
            (e: unknown) => ConnectError.from(e),
          );
        expect(error?.code, `${name} ${expireTime.seconds}`).toBe(Code.InvalidArgument);
        expect(error?.findDetails(BadRequestSchema)[0]?.fieldViolations.map((v) => v.field)).toEqual(["expire_time"]);
      }
    }
  });
});

describe("API key last use", () => {
  it("is written at minute precision, at most once a minute", async () => {
    const org = await newOrganisation(server);
    const key = await newApiKey(server, org);
    secrets.push(key.secret);
    const lastUse = async () => {
      const em = scopeToOrganisation(server.admin.em.fork(), org);
      return (await em.findOneOrFail(ApiKey, key.id)).lastUseTime ?? null;
    };
    // Last use is written beside the answer, not before it: wait for the write, however slow the
    // database is (the bound only turns a write that never comes into a failure).
    const poll = { timeout: 20_000, interval: 20 };
    for (let i = 0; i < 20; i++) await get(readPath, { authorization: `Bearer ${key.secret}` });
    await expect.poll(lastUse, poll).not.toBeNull();
    const first = (await lastUse())!;
    expect(first.getUTCSeconds()).toBe(0);
    expect(first.getUTCMilliseconds()).toBe(0);
    clock.advance(61_000);
    await get(readPath, { authorization: `Bearer ${key.secret}` });
    await expect.poll(async () => (await lastUse())?.getTime(), poll).toBeGreaterThan(first.getTime());
  });
});

describe("sessions", () => {
  it("sets an HttpOnly, SameSite=Lax, Secure cookie holding a token stored only as a hash", async () => {
    const org = await newOrganisation(server);
    const user = await newSignedInUser(server, org, "member");
    secrets.push(user.password, user.cookie);
    const flags = user.setCookie.split(";").map((p) => p.trim());
    expect(flags[0]).toMatch(/^__Host-dd_session=[A-Za-z0-9_-]{43}$/);
    expect(flags).toEqual(expect.arrayContaining(["Path=/", "HttpOnly", "SameSite=Lax", "Secure"]));
    const token = sessionToken(flags[0]!);
    const rows = await server.admin.em.fork().getConnection().execute("select token_digest from session");
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  it("lets a signed-in user call a DD RPC, then stops working at sign-out", async () => {
    const org = await newOrganisation(server);
    const user = await newSignedInUser(server, org, "viewer");
    expect(passed((await get(readPath, { cookie: user.cookie })).status)).toBe(true);
    const current = (await (await get("/v1/sessions/current", { cookie: user.cookie })).json()) as {
      user: { email: string };
      scopes: string[];
    };
    expect(current.user.email).toBe(user.email);
    // Viewers hold every ":read" scope (the issue says "three"; there are four, and all are reads).
    expect(current.scopes.sort()).toEqual(["alerts:read", "collections:read", "mandates:read", "reports:read"]);
    const out = await post("/v1/sessions:signOut", { cookie: user.cookie });
    expect(out.status).toBe(200);
    expect(out.headers.get("set-cookie")).toMatch(/^__Host-dd_session=; .*Max-Age=0/);
    expect((await get(readPath, { cookie: user.cookie })).status).toBe(401);
  });

  it("gives viewers the read scopes only", async () => {
    const org = await newOrganisation(server);
    const viewer = await newSignedInUser(server, org, "viewer");
    const res = await post(
      "/v1/mandates",
      { cookie: viewer.cookie, origin: "https://app.example.com" },
      { payer: { name: "A", email: "a@example.com" } },
    );
    expect(res.status).toBe(403);
    expect(JSON.stringify(await res.json())).toContain('"required_scope":"mandates:write"');
  });

  it("refuses a cookie sent from a foreign Origin, accepts it from an allowed one", async () => {
    const org = await newOrganisation(server);
    const user = await newSignedInUser(server, org, "admin");
    const foreign = await get(readPath, { cookie: user.cookie, origin: "https://evil.example.net" });
    expect(foreign.status).toBe(403);
    expect(JSON.stringify(await foreign.json())).toContain("ORIGIN_NOT_ALLOWED");
    expect(passed((await get(readPath, { cookie: user.cookie, origin: "https://app.example.com" })).status)).toBe(true);
  });

  it("accepts a cookie from a page of the service itself (Sec-Fetch-Site) and from PUBLIC_BASE_URL's origin", async () => {
    const org = await newOrganisation(server);
    const user = await newSignedInUser(server, org, "admin");
    const sameOrigin = { cookie: user.cookie, origin: new URL(server.baseUrl).origin, "sec-fetch-site": "same-origin" };
    expect(passed((await get(readPath, sameOrigin)).status)).toBe(true);
    // The test server's PUBLIC_BASE_URL is https://pay.example.test: its origin, exactly.
    expect(passed((await get(readPath, { cookie: user.cookie, origin: "https://pay.example.test" })).status)).toBe(
      true,
    );
    for (const origin of ["http://pay.example.test", "https://pay.example.test:8443", "null"]) {
      const refused = await get(readPath, { cookie: user.cookie, origin, "sec-fetch-site": "cross-site" });
      expect(refused.status, origin).toBe(403);
    }
  });

  it("answers a wrong email and a wrong password alike", async () => {
    const org = await newOrganisation(server);
    const user = await newUser(server, org, "admin");
    const wrongPassword = await post("/v1/sessions:signIn", {}, { email: user.email, password: "not-the-password" });
    const wrongEmail = await post(
      "/v1/sessions:signIn",
      {},
      { email: `nobody-${user.email}`, password: user.password },
    );
    expect(wrongPassword.status).toBe(401);
    expect(wrongEmail.status).toBe(401);
    expect(await wrongPassword.json()).toEqual(await wrongEmail.json());
  });

  it("throttles repeated failures for one email with RESOURCE_EXHAUSTED and Retry-After", async () => {
    const org = await newOrganisation(server);
    const user = await newUser(server, org, "admin");
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++)
      statuses.push(
        (await post("/v1/sessions:signIn", {}, { email: user.email, password: "wrong-password-x" })).status,
      );
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses[10]).toBe(429);
    const blocked = await post("/v1/sessions:signIn", {}, { email: user.email, password: user.password });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("records a wrong password for a known email in the audit trail, never the password", async () => {
    const org = await newOrganisation(server);
    const user = await newUser(server, org, "member");
    expect((await post("/v1/sessions:signIn", {}, { email: user.email, password: "not-the-password-1" })).status).toBe(
      401,
    );
    const em = () => scopeToOrganisation(server.admin.em.fork(), org);
    // The row is written beside the answer, not before it (timing must not reveal known emails):
    // wait for it, however slow the database is.
    const wrongPasswords = () => em().find(AuditEvent, { action: "session.sign_in", outcome: "WRONG_PASSWORD" });
    await expect
      .poll(async () => (await wrongPasswords()).length, { timeout: 20_000, interval: 20 })
      .toBeGreaterThan(0);
    const events = await wrongPasswords();
    expect(events.map((e) => e.actor)).toEqual([`user:${user.id}`]);
    expect(JSON.stringify(events)).not.toContain("not-the-password-1");
  });

  it("records sign-in and key events in the audit trail, never a secret", async () => {
    const org = await newOrganisation(server);
    const admin = await newSignedInUser(server, org, "admin");
    const created = (await (
      await post("/v1/apiKeys", { cookie: admin.cookie }, { name: "audit", scopes: ["mandates:read"] })
    ).json()) as {
      apiKey: { id: string };
      secret: string;
    };
    secrets.push(created.secret);
    await post(`/v1/apiKeys/${created.apiKey.id}:revoke`, { cookie: admin.cookie });
    const em = scopeToOrganisation(server.admin.em.fork(), org);
    const events = await em.find(AuditEvent, {}, { orderBy: { id: "asc" } });
    expect(events.map((e) => `${e.action} ${e.outcome}`)).toEqual([
      "session.sign_in success",
      "api_key.create success",
      "api_key.revoke success",
    ]);
    expect(events[1]!.actor).toBe(`user:${admin.id}`);
    expect(JSON.stringify(events)).not.toContain(created.secret);
  });

  it("aggregates access denials into one audit row with a count", async () => {
    // The recorder also writes on its own every 60 s (a real-time interval): were that to fall among
    // the 25 calls, they would be split over two rows. Only the explicit flush below writes here.
    await server.app.denials.stop();
    const org = await newOrganisation(server);
    const key = await newApiKey(server, org, ["mandates:read"]);
    for (let i = 0; i < 25; i++)
      await post(
        "/v1/mandates",
        { authorization: `Bearer ${key.secret}` },
        { payer: { name: "A", email: "a@example.com" } },
      );
    await server.app.denials.flush();
    const em = scopeToOrganisation(server.admin.em.fork(), org);
    const denials = await em.find(AuditEvent, { action: "access.denied" });
    expect(denials).toHaveLength(1);
    expect(denials[0]).toMatchObject({
      actor: `key:${key.id}`,
      target: "dd.v1.MandateService/CreateMandate",
      outcome: "MISSING_SCOPE",
      count: 25,
    });
  });
});

describe("logs", () => {
  it("never contain a key, a session token or a password", async () => {
    const org = await newOrganisation(server);
    const user = await newUser(server, org, "admin");
    const session = await signIn(server, user.email, user.password);
    secrets.push(user.password, sessionToken(session.cookie));
    expect(secrets.length).toBeGreaterThan(5);
    expect(server.rawLogs.length).toBeGreaterThan(20);
    for (const secret of secrets) {
      for (const line of server.rawLogs)
        expect(line.includes(secret), `log line contains a secret: ${line}`).toBe(false);
    }
  });
});

describe("revoking", () => {
  it("answers FAILED_PRECONDITION for a key already revoked", async () => {
    const org = await newOrganisation(server);
    const admin = await newSignedInUser(server, org, "admin");
    const key = await newApiKey(server, org);
    expect((await post(`/v1/apiKeys/${key.id}:revoke`, { cookie: admin.cookie })).status).toBe(200);
    const again = await post(`/v1/apiKeys/${key.id}:revoke`, { cookie: admin.cookie });
    expect(again.status).toBe(400);
    expect(JSON.stringify(await again.json())).toContain("API_KEY_REVOKED");
  });
});
