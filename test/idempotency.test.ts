/**
 * Idempotency-Key end to end on a real server and PostgreSQL, through a test-only write RPC
 * (test/support/counter-service.ts) whose handler counts its runs, so "ran exactly once" is seen
 * directly. CreateApiKey is not used for replays: its answer holds a secret shown once, so the key is
 * refused there (src/rpc/interceptors/idempotency.ts says why).
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorInfoSchema } from "../gen/google/rpc/error_details_pb.js";
import { IdempotencyRecord } from "../src/modules/idempotency/idempotency-record.entity.js";
import { scopeToOrganisation } from "../src/platform/db/tenant-filter.js";
import { registerServices } from "../src/routes.js";
import { requestFingerprint } from "../src/rpc/request-fingerprint.js";
import { Counters, type IncrementInput, incrementMethod } from "./support/counter-service.js";
import { newApiKey, newOrganisation, newSignedInUser } from "./support/fixtures.js";
import { TestClock } from "./support/test-clock.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

let server: TestServer;
const clock = new TestClock();
const counters = new Counters();

beforeAll(async () => {
  server = await startTestServer({
    clock,
    registerRoutes: (router, app) => [...registerServices(router, app), counters.register(router)],
  });
});
afterAll(async () => server?.close());

interface CounterValue {
  counter: string;
  value: bigint;
  callId: string;
}

/** An organisation with an API key that may call Increment. */
async function tenant() {
  const org = await newOrganisation(server);
  return { org, secret: (await newApiKey(server, org)).secret };
}

/** A fresh counter name, so each test counts its own runs. */
let counterSeq = 0;
const counterName = () => `c${++counterSeq}`;
const runsOf = async <T>(work: () => Promise<T>) => {
  const before = counters.runs;
  const result = await work();
  return { result, runs: counters.runs - before };
};

function rest(secret: string, input: IncrementInput, key?: string) {
  const { counter, ...body } = input;
  return fetch(`${server.baseUrl}/v1/test/counters/${counter}:increment`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${secret}`,
      "content-type": "application/json",
      ...(key === undefined ? {} : { "idempotency-key": key }),
    },
    body: JSON.stringify(body),
  });
}

type Outcome =
  | { ok: true; value: CounterValue; header: Headers; trailer: Headers }
  | { ok: false; error: ConnectError };

async function rpc(transport: Transport, secret: string, input: IncrementInput, key?: string): Promise<Outcome> {
  const header = new Headers({ authorization: `Bearer ${secret}` });
  if (key !== undefined) header.set("idempotency-key", key);
  try {
    const res = await transport.unary(incrementMethod, undefined, undefined, header, input as never);
    return { ok: true, value: res.message as unknown as CounterValue, header: res.header, trailer: res.trailer };
  } catch (error) {
    return { ok: false, error: ConnectError.from(error) };
  }
}

const connect = () => createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "2" });
const grpc = () => createGrpcTransport({ baseUrl: server.baseUrl });
const reasonOf = (error: ConnectError) => error.findDetails(ErrorInfoSchema)[0]?.reason;
const recordsOf = (org: string) => scopeToOrganisation(server.admin.em.fork(), org).find(IdempotencyRecord, {});

describe("Idempotency-Key on a write", () => {
  it("runs the write once and replays its first answer over REST, marked Idempotent-Replayed", async () => {
    const { secret } = await tenant();
    const input = { counter: counterName(), by: 5, labels: { a: "1", b: "2" } };
    const { result, runs } = await runsOf(async () => {
      const first = await rest(secret, input, "rest-key-1");
      const second = await rest(secret, { ...input, labels: { b: "2", a: "1" } }, "rest-key-1");
      return { first, second, firstBody: await first.text(), secondBody: await second.text() };
    });
    expect(runs).toBe(1);
    expect(result.first.status).toBe(200);
    expect(result.first.headers.get("idempotent-replayed")).toBeNull();
    expect(result.second.status).toBe(200);
    expect(result.second.headers.get("idempotent-replayed")).toBe("true");
    expect(result.second.headers.get("ratelimit")).not.toBeNull();
    expect(result.secondBody).toBe(result.firstBody);
    expect(JSON.parse(result.firstBody)).toMatchObject({ value: "5" });
  });

  it("replays the same message bytes over Connect, and shares the record with gRPC and REST", async () => {
    const { secret } = await tenant();
    const input = { counter: counterName(), by: 2 };
    const bytes = toBinary(incrementMethod.input, create(incrementMethod.input, input as never));
    const binary = () =>
      fetch(`${server.baseUrl}/test.v1.CounterService/Increment`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${secret}`,
          "content-type": "application/proto",
          "idempotency-key": "bytes-key",
        },
        body: bytes,
      });
    const { result, runs } = await runsOf(async () => {
      const first = await binary();
      const firstBytes = new Uint8Array(await first.arrayBuffer());
      const second = await binary();
      const secondBytes = new Uint8Array(await second.arrayBuffer());
      const viaGrpc = await rpc(grpc(), secret, input, "bytes-key");
      const viaConnect = await rpc(connect(), secret, input, "bytes-key");
      const viaRest = await rest(secret, input, "bytes-key");
      return {
        first,
        firstBytes,
        second,
        secondBytes,
        viaGrpc,
        viaConnect,
        viaRest,
        restBody: (await viaRest.json()) as { callId: string },
      };
    });
    expect(runs).toBe(1);
    expect(result.first.status).toBe(200);
    expect(result.second.headers.get("idempotent-replayed")).toBe("true");
    expect(result.secondBytes).toEqual(result.firstBytes);
    const first = fromBinary(incrementMethod.output, result.firstBytes) as unknown as CounterValue;
    for (const replay of [result.viaGrpc, result.viaConnect]) {
      expect(replay.ok).toBe(true);
      if (!replay.ok) continue;
      expect(replay.value.callId).toBe(first.callId);
      expect(replay.header.get("idempotent-replayed")).toBe("true");
    }
    expect(result.restBody.callId).toBe(first.callId);
    expect(result.viaRest.headers.get("idempotent-replayed")).toBe("true");
  });

  it("answers INVALID_ARGUMENT IDEMPOTENCY_KEY_REUSED for the same key with another request, running nothing", async () => {
    const { secret } = await tenant();
    const counter = counterName();
    const { result, runs } = await runsOf(async () => {
      await rpc(connect(), secret, { counter, by: 1 }, "reused-key");
      const otherBody = await rpc(connect(), secret, { counter, by: 2 }, "reused-key");
      const otherCounter = await rpc(connect(), secret, { counter: counterName(), by: 1 }, "reused-key");
      const overRest = await rest(secret, { counter, by: 3 }, "reused-key");
      return { otherBody, otherCounter, overRest, restBody: JSON.stringify(await overRest.json()) };
    });
    expect(runs).toBe(1);
    for (const outcome of [result.otherBody, result.otherCounter]) {
      expect(outcome.ok).toBe(false);
      if (outcome.ok) continue;
      expect(outcome.error.code).toBe(Code.InvalidArgument);
      expect(reasonOf(outcome.error)).toBe("IDEMPOTENCY_KEY_REUSED");
    }
    expect(result.overRest.status).toBe(400);
    expect(result.restBody).toContain("IDEMPOTENCY_KEY_REUSED");
    expect(result.restBody).toContain('"field":"Idempotency-Key"');
  });

  it("lets 50 concurrent calls with one key run the write exactly once; each gets its answer or IDEMPOTENCY_KEY_IN_USE", async () => {
    const { org, secret } = await tenant();
    const input = { counter: counterName(), by: 1, delayMs: 300 };
    const transport = connect();
    const { result: outcomes, runs } = await runsOf(() =>
      Promise.all(Array.from({ length: 50 }, () => rpc(transport, secret, input, "concurrent-key"))),
    );
    expect(runs).toBe(1);
    expect(counters.values.get(input.counter)).toBe(1n);
    const answers = outcomes.filter((o): o is Extract<Outcome, { ok: true }> => o.ok);
    const refusals = outcomes.filter((o): o is Extract<Outcome, { ok: false }> => !o.ok);
    expect(answers.length).toBeGreaterThanOrEqual(1);
    expect(new Set(answers.map((a) => a.value.callId)).size).toBe(1);
    for (const refusal of refusals) {
      expect(refusal.error.code).toBe(Code.Aborted);
      expect(reasonOf(refusal.error)).toBe("IDEMPOTENCY_KEY_IN_USE");
      expect(refusal.error.metadata.get("retry-after")).toBe("1");
    }
    expect(answers.length + refusals.length).toBe(50);
    const retry = await rpc(transport, secret, input, "concurrent-key");
    expect(retry.ok && retry.value.callId).toBe(answers[0]!.value.callId);
    expect(await recordsOf(org)).toHaveLength(1);
  });

  it("replays an error answer (INVALID_ARGUMENT) without running the handler again", async () => {
    const { secret } = await tenant();
    const input = { counter: counterName(), by: -1 };
    const { result, runs } = await runsOf(async () => {
      const first = await rpc(connect(), secret, input, "error-key");
      const second = await rpc(connect(), secret, input, "error-key");
      const overRest = await rest(secret, input, "error-key");
      return { first, second, overRest, restBody: JSON.stringify(await overRest.json()) };
    });
    expect(runs).toBe(1);
    expect(result.first.ok || result.second.ok).toBe(false);
    if (result.first.ok || result.second.ok) return;
    expect(result.second.error.code).toBe(Code.InvalidArgument);
    expect(result.second.error.rawMessage).toBe(result.first.error.rawMessage);
    expect(result.second.error.details).toEqual(result.first.error.details);
    expect(result.second.error.metadata.get("idempotent-replayed")).toBe("true");
    expect(result.overRest.status).toBe(400);
    expect(result.overRest.headers.get("idempotent-replayed")).toBe("true");
    expect(result.restBody).toContain('"field":"by"');
  });

  it("forgets the key after an INTERNAL error, so a retry runs the write again", async () => {
    const { org, secret } = await tenant();
    const input = { counter: counterName(), by: 1, crash: true };
    const { result, runs } = await runsOf(async () => [
      await rpc(connect(), secret, input, "crash-key"),
      await rpc(connect(), secret, input, "crash-key"),
    ]);
    expect(runs).toBe(2);
    for (const outcome of result) expect(!outcome.ok && outcome.error.code).toBe(Code.Internal);
    expect(await recordsOf(org)).toHaveLength(0);
  });

  it("changes nothing for a call without the header", async () => {
    const { org, secret } = await tenant();
    const input = { counter: counterName(), by: 1 };
    const { runs } = await runsOf(async () => [await rest(secret, input), await rest(secret, input)]);
    expect(runs).toBe(2);
    expect(await recordsOf(org)).toHaveLength(0);
  });

  it("refuses a malformed key with INVALID_ARGUMENT naming the header, running nothing", async () => {
    const { secret } = await tenant();
    const { result, runs } = await runsOf(() =>
      Promise.all(
        ["", "a".repeat(256), "caf\u00e9"].map((key) => rest(secret, { counter: counterName(), by: 1 }, key)),
      ),
    );
    expect(runs).toBe(0);
    for (const res of result) {
      expect(res.status).toBe(400);
      const body = JSON.stringify(await res.json());
      expect(body).toContain('"field":"Idempotency-Key"');
      expect(body).toContain("IDEMPOTENCY_KEY_INVALID");
    }
    expect((await rest(secret, { counter: counterName(), by: 1 }, "k".repeat(255))).status).toBe(200);
  });
});

describe("Idempotency-Key scope", () => {
  it("keeps organisations apart: the same key string in two organisations makes two independent records", async () => {
    const a = await tenant();
    const b = await tenant();
    const counter = counterName();
    const { result, runs } = await runsOf(async () => [
      await rpc(connect(), a.secret, { counter, by: 1 }, "shared-key"),
      await rpc(connect(), b.secret, { counter, by: 7 }, "shared-key"),
      await rpc(connect(), a.secret, { counter, by: 1 }, "shared-key"),
    ]);
    expect(runs).toBe(2);
    const [firstA, firstB, replayA] = result as [Outcome, Outcome, Outcome];
    expect(firstA.ok && firstB.ok && replayA.ok).toBe(true);
    if (!firstA.ok || !firstB.ok || !replayA.ok) return;
    expect(firstB.value.callId).not.toBe(firstA.value.callId);
    expect(replayA.value.callId).toBe(firstA.value.callId);
    expect(await recordsOf(a.org)).toHaveLength(1);
    expect(await recordsOf(b.org)).toHaveLength(1);
  });

  it("is shared by every credential of one organisation (a retry with a rotated key still replays)", async () => {
    const { org, secret } = await tenant();
    const other = await newApiKey(server, org);
    const input = { counter: counterName(), by: 1 };
    const { result, runs } = await runsOf(async () => [
      await rpc(connect(), secret, input, "org-key"),
      await rpc(connect(), other.secret, input, "org-key"),
    ]);
    expect(runs).toBe(1);
    expect(result[1]!.ok && result[1]!.header.get("idempotent-replayed")).toBe("true");
  });

  it("is ignored on a read (ListApiKeys, NO_SIDE_EFFECTS), whatever its value", async () => {
    const org = await newOrganisation(server);
    const admin = await newSignedInUser(server, org, "admin");
    for (const key of ["read-key", "read-key", "x".repeat(300)]) {
      const res = await fetch(`${server.baseUrl}/v1/apiKeys`, {
        headers: { cookie: admin.cookie, "idempotency-key": key },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get("idempotent-replayed")).toBeNull();
    }
    expect(await recordsOf(org)).toHaveLength(0);
  });

  it("is refused on CreateApiKey and CreateWebhookEndpoint (answers holding a secret shown once) and on public SignIn, and nothing is created", async () => {
    const org = await newOrganisation(server);
    const admin = await newSignedInUser(server, org, "admin");
    const create = await fetch(`${server.baseUrl}/v1/apiKeys`, {
      method: "POST",
      headers: { cookie: admin.cookie, "content-type": "application/json", "idempotency-key": "secret-key" },
      body: JSON.stringify({ name: "agentOS", scopes: ["mandates:read"] }),
    });
    expect(create.status).toBe(400);
    expect(JSON.stringify(await create.json())).toContain("IDEMPOTENCY_KEY_NOT_SUPPORTED");
    const list = (await (
      await fetch(`${server.baseUrl}/v1/apiKeys`, { headers: { cookie: admin.cookie } })
    ).json()) as { apiKeys?: unknown[] };
    expect(list.apiKeys ?? []).toHaveLength(0);
    const endpoint = await fetch(`${server.baseUrl}/v1/webhookEndpoints`, {
      method: "POST",
      headers: { cookie: admin.cookie, "content-type": "application/json", "idempotency-key": "secret-key" },
      body: JSON.stringify({ url: "https://hooks.example.com/dd", eventTypes: ["NOTIFICATION_TYPE_MANDATE_CREATED"] }),
    });
    expect(endpoint.status).toBe(400);
    expect(JSON.stringify(await endpoint.json())).toContain("IDEMPOTENCY_KEY_NOT_SUPPORTED");
    const signIn = await fetch(`${server.baseUrl}/v1/sessions:signIn`, {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": "public-key" },
      body: JSON.stringify({ email: admin.email, password: admin.password }),
    });
    expect(signIn.status).toBe(400);
    expect(JSON.stringify(await signIn.json())).toContain("IDEMPOTENCY_KEY_NOT_SUPPORTED");
    expect(await recordsOf(org)).toHaveLength(0);
  });
});

describe("Idempotency-Key on the session's own methods", () => {
  it("is refused, so a colleague sending the same key never gets another person's TOTP secret", async () => {
    const org = await newOrganisation(server);
    const alice = await newSignedInUser(server, org, "admin");
    const bob = await newSignedInUser(server, org, "viewer");
    const call = (cookie: string, path: string, body: unknown) =>
      fetch(`${server.baseUrl}/v1/sessions/current:${path}`, {
        method: "POST",
        headers: { cookie, "content-type": "application/json", "idempotency-key": "shared-key" },
        body: JSON.stringify(body),
      });
    for (const [who, path, body] of [
      [alice, "enrollTotp", { currentPassword: alice.password }],
      [bob, "enrollTotp", { currentPassword: bob.password }],
      [alice, "changePassword", { currentPassword: alice.password, newPassword: "a-new-password-1234" }],
      [bob, "confirmTotp", { code: "123456" }],
    ] as const) {
      const res = await call(who.cookie, path, body);
      const text = await res.text();
      expect(res.status, path).toBe(400);
      expect(text).toContain("IDEMPOTENCY_KEY_NOT_SUPPORTED");
      expect(text).not.toMatch(/otpauth|secret/i);
    }
    expect(await recordsOf(org)).toHaveLength(0);
  });
});

// These move the shared test clock forward, so they run last.
describe("Idempotency-Key over time", () => {
  it("takes over a record left in progress by a crashed replica once its 60 s lease has run out", async () => {
    const { org, secret } = await tenant();
    const input = { counter: counterName(), by: 1 };
    const method = "test.v1.CounterService/Increment";
    // A replica claimed the key and died before answering.
    const claim = await server.app.idempotency.claim({
      organisationId: org,
      key: "orphan-key",
      method,
      requestHash: requestFingerprint(method, incrementMethod.input, create(incrementMethod.input, input as never)),
      actor: "key:AKcrashed",
    });
    expect(claim.kind).toBe("claimed");
    const { result, runs } = await runsOf(async () => {
      const early = await rpc(connect(), secret, input, "orphan-key");
      clock.advance(61_000);
      const late = await rpc(connect(), secret, input, "orphan-key");
      return { early, late };
    });
    expect(runs).toBe(1);
    expect(!result.early.ok && reasonOf(result.early.error)).toBe("IDEMPOTENCY_KEY_IN_USE");
    expect(result.late.ok).toBe(true);
    // The crashed call's lease is gone: it can no longer overwrite the answer.
    if (claim.kind === "claimed") {
      expect(
        await server.app.idempotency.complete(claim.lease, {
          kind: "response",
          body: new Uint8Array(),
          metadata: { header: [], trailer: [] },
        }),
      ).toBe(false);
    }
  });

  it("keeps an answer 24 hours, then runs the key as new; the sweep deletes expired records", async () => {
    const { org, secret } = await tenant();
    const counter = counterName();
    const { runs } = await runsOf(async () => {
      await rpc(connect(), secret, { counter, by: 1 }, "day-key");
      clock.advance(23 * 3600_000);
      const kept = await rpc(connect(), secret, { counter, by: 1 }, "day-key");
      expect(kept.ok && kept.header.get("idempotent-replayed")).toBe("true");
      clock.advance(3600_000 + 1000);
      const fresh = await rpc(connect(), secret, { counter, by: 2 }, "day-key");
      expect(fresh.ok && fresh.header.get("idempotent-replayed")).toBe(null);
    });
    expect(runs).toBe(2);
    expect(await recordsOf(org)).toHaveLength(1);
    clock.advance(24 * 3600_000 + 1000);
    expect(await server.app.idempotencySweeper.runOnce()).toBeGreaterThanOrEqual(1);
    expect(await recordsOf(org)).toHaveLength(0);
  });
});
