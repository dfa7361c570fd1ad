/**
 * How the idempotency table stays bounded: an organisation keeps at most its cap of answers (the
 * oldest completed ones go first, in-progress ones never), and the sweeper deletes every expired
 * record in one run however many there are. A real server on PostgreSQL, with a cap of 5.
 */
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorInfoSchema } from "../gen/google/rpc/error_details_pb.js";
import { IdempotencyRecord } from "../src/modules/idempotency/idempotency-record.entity.js";
import { IdempotencySweeper } from "../src/modules/idempotency/idempotency-sweeper.js";
import { scopeToOrganisation } from "../src/platform/db/tenant-filter.js";
import { createLogger } from "../src/platform/observability/logger.js";
import { registerServices } from "../src/routes.js";
import { requestFingerprint } from "../src/rpc/request-fingerprint.js";
import { Counters, incrementMethod } from "./support/counter-service.js";
import { newApiKey, newOrganisation } from "./support/fixtures.js";
import { TestClock } from "./support/test-clock.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

const cap = 5;
let server: TestServer;
const clock = new TestClock();
const counters = new Counters();

beforeAll(async () => {
  server = await startTestServer({
    clock,
    idempotencyRecordsPerOrganisation: cap,
    registerRoutes: (router, app) => [...registerServices(router, app), counters.register(router)],
  });
});
afterAll(async () => server?.close());

async function tenant() {
  const org = await newOrganisation(server);
  return { org, secret: (await newApiKey(server, org)).secret };
}

/** Increment over Connect with an Idempotency-Key: whether the answer was replayed, or the error. */
async function increment(secret: string, counter: string, key: string) {
  const transport = createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "2" });
  const header = new Headers({ authorization: `Bearer ${secret}`, "idempotency-key": key });
  try {
    const res = await transport.unary(incrementMethod, undefined, undefined, header, { counter, by: 1 } as never);
    return { replayed: res.header.get("idempotent-replayed") === "true" };
  } catch (error) {
    return { error: ConnectError.from(error) };
  }
}

const keysOf = async (org: string) =>
  (
    await scopeToOrganisation(server.admin.em.fork(), org).find(IdempotencyRecord, {}, { orderBy: { createTime: 1 } })
  ).map((r) => `${r.idempotencyKey}:${r.state}`);

describe("the cap on an organisation's idempotency records", () => {
  it("forgets the oldest answers beyond the cap, never another organisation's; a forgotten key runs anew", async () => {
    const a = await tenant();
    const b = await tenant();
    await increment(b.secret, "b", "b-1");
    clock.advance(1_000);
    await increment(b.secret, "b", "b-2");
    for (let i = 1; i <= 8; i++) {
      clock.advance(1_000);
      expect(await increment(a.secret, "a", `a-${i}`)).toEqual({ replayed: false });
    }
    expect(await keysOf(a.org)).toEqual(["a-4", "a-5", "a-6", "a-7", "a-8"].map((k) => `${k}:completed`));
    expect(await keysOf(b.org)).toEqual(["b-1:completed", "b-2:completed"]);

    const runs = counters.runs;
    expect(await increment(a.secret, "a", "a-8")).toEqual({ replayed: true });
    expect(counters.runs).toBe(runs);
    // Forgotten: the retry runs as a first call (at-most-cap is the promise, not a wrong replay).
    expect(await increment(a.secret, "a", "a-1")).toEqual({ replayed: false });
    expect(counters.runs).toBe(runs + 1);
  });

  it("never drops a record whose call is still running, so its key stays IDEMPOTENCY_KEY_IN_USE", async () => {
    const { org, secret } = await tenant();
    const method = "test.v1.CounterService/Increment";
    const input = create(incrementMethod.input, { counter: "held-counter", by: 1 } as never);
    const held = await server.app.idempotency.claim({
      organisationId: org,
      key: "held",
      method,
      requestHash: requestFingerprint(method, incrementMethod.input, input),
      actor: "key:AKrunning",
    });
    expect(held.kind).toBe("claimed");
    for (let i = 1; i <= cap + 3; i++) {
      clock.advance(1_000);
      await increment(secret, "held-counter", `k-${i}`);
    }
    const keys = await keysOf(org);
    expect(keys[0]).toBe("held:in_progress");
    expect(keys.slice(1)).toEqual(["k-4", "k-5", "k-6", "k-7", "k-8"].map((k) => `${k}:completed`));
    const retry = await increment(secret, "held-counter", "held");
    expect(retry.error?.code).toBe(Code.Aborted);
    expect(retry.error?.findDetails(ErrorInfoSchema)[0]?.reason).toBe("IDEMPOTENCY_KEY_IN_USE");
  });
});

describe("the sweeper", () => {
  it("drains every expired record in one run, in short batches, and keeps the live ones", async () => {
    const { org, secret } = await tenant();
    await increment(secret, "live", "live-key");
    const expired = 2_500;
    await server.admin.em.fork().execute(
      `insert into "idempotency_record" ("id", "organisation_id", "idempotency_key", "method", "request_hash", "actor", "state", "create_time", "lease_time", "complete_time", "expire_time")
       select 'IK' || lpad(n::text, 26, '0'), ?, 'old-' || n, 'm', repeat('0', 64), 'key:AKold', 'completed', ?, ?, ?, ?
       from generate_series(1, ?) as n`,
      [
        org,
        ...Array(3).fill(new Date(clock.now().getTime() - 48 * 3600_000)),
        new Date(clock.now().getTime() - 1),
        expired,
      ],
    );
    const sweeper = new IdempotencySweeper({
      idempotency: server.app.idempotency,
      logger: createLogger("silent"),
      batchSize: 100,
    });
    expect(await sweeper.runOnce()).toBe(expired);
    expect(await keysOf(org)).toEqual(["live-key:completed"]);
  });
});
