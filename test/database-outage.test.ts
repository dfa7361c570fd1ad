/**
 * PostgreSQL goes away under load and comes back (issue 11, faults): the service's connections run
 * through a TCP proxy that the test stops (the port refuses, open connections are cut, as when
 * PostgreSQL shuts down) and starts again. While it is away every call fails fast with UNAVAILABLE
 * (DATABASE_UNAVAILABLE, retry-after), health turns NOT_SERVING; once it is back the same process
 * serves again by itself. Every write is whole or absent: retried with their Idempotency-Keys, the
 * calls that failed make exactly one mandate each, each with its invite.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Organisation } from "../src/modules/identity/organisation.entity.js";
import { newApiKey, newOrganisation } from "./support/fixtures.js";
import { startTcpProxy, type TcpProxy } from "./support/tcp-proxy.js";
import { TestClock } from "./support/test-clock.js";
import { createTestDatabase, type TestDatabase } from "./support/test-database.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

/** The bound the service promises for a call while the database is away: the pool's acquire timeout. */
const failFastBoundMs = 5_000;
const clock = new TestClock();
let database: TestDatabase;
let proxy: TcpProxy;
let server: TestServer;

beforeAll(async () => {
  database = await createTestDatabase();
  const direct = new URL(database.url);
  proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
  const proxied = new URL(database.url);
  proxied.hostname = "127.0.0.1";
  proxied.port = String(proxy.port);
  server = await startTestServer({
    clock,
    database: { ...database, url: proxied.toString() },
    databaseProbe: { intervalMs: 100, timeoutMs: 500 },
  });
}, 120_000);

afterAll(async () => {
  await server?.close();
  await proxy?.close();
  await database?.drop();
});

interface Call {
  key: string;
  body: { payer: { name: string; email: string } };
  start: number;
  end: number;
  status: number;
  reason?: string;
  retryAfter?: string | null;
}

async function createMandate(secret: string, key: string, body: Call["body"]): Promise<Omit<Call, "key" | "body">> {
  const start = performance.now();
  try {
    const res = await fetch(`${server.baseUrl}/v1/mandates`, {
      method: "POST",
      headers: { authorization: `Bearer ${secret}`, "content-type": "application/json", "idempotency-key": key },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const answer = (await res.json()) as { details?: { reason?: string }[] };
    return {
      start,
      end: performance.now(),
      status: res.status,
      reason: answer.details?.find((d) => d.reason)?.reason,
      retryAfter: res.headers.get("retry-after"),
    };
  } catch {
    return { start, end: performance.now(), status: -1 }; // no answer within 30 s
  }
}

const healthOf = async () => {
  try {
    const res = await fetch(`${server.baseUrl}/healthz`, { signal: AbortSignal.timeout(5_000) });
    return ((await res.json()) as { status: string }).status;
  } catch {
    return "no answer";
  }
};

/** waitFor polls until the condition holds and returns when it first did (ms, performance.now()). */
async function waitFor(condition: () => Promise<boolean> | boolean, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (await condition()) return performance.now();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`not within ${timeoutMs} ms`);
}

describe("PostgreSQL stopped under load", { timeout: 300_000 }, () => {
  it("fails calls fast with UNAVAILABLE, turns health NOT_SERVING, recovers by itself, and half-applies nothing", async () => {
    const organisationId = await newOrganisation(server);
    await server.admin.em
      .fork()
      .nativeUpdate(Organisation, { id: organisationId }, { rateLimitPerMinute: 1_000_000, rateLimitBurst: 100_000 });
    const { secret } = await newApiKey(server, organisationId);
    expect(await healthOf()).toBe("SERVING");

    const calls: Call[] = [];
    let loading = true;
    const workers = Array.from({ length: 16 }, async (_, worker) => {
      for (let i = 0; loading; i++) {
        const key = `outage-${worker}-${i}`;
        const body = { payer: { name: `Payer ${worker} ${i}`, email: `p${worker}-${i}@example.com` } };
        calls.push({ key, body, ...(await createMandate(secret, key, body)) });
      }
    });
    await waitFor(() => calls.filter((c) => c.status === 200).length >= 50, 60_000);

    const down = performance.now();
    await proxy.stop();
    const notServing = await waitFor(async () => (await healthOf()) === "NOT_SERVING", 10_000);
    // Down for 3 s at least, and until 100 calls have been answered meanwhile: a loaded machine makes
    // fewer calls a second, not a weaker test.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await waitFor(() => calls.filter((c) => c.start > down).length > 100, 120_000);
    const up = performance.now();
    await proxy.start();
    const serving = await waitFor(async () => (await healthOf()) === "SERVING", 30_000);
    const recovered = await waitFor(() => calls.some((c) => c.start > up && c.status === 200), 30_000);
    await waitFor(() => calls.filter((c) => c.start > recovered && c.status === 200).length >= 50, 60_000);
    loading = false;
    await Promise.all(workers);

    // Every answer is a success or UNAVAILABLE: no 500, no hang.
    expect([...new Set(calls.map((c) => c.status))].sort()).toEqual([200, 503]);
    const unavailable = calls.filter((c) => c.status === 503);
    for (const c of unavailable) {
      expect(c.reason).toBe("DATABASE_UNAVAILABLE");
      expect(c.retryAfter).toBe("1");
    }
    // Calls made while the database was away: all refused, each within the bound.
    const whileDown = calls.filter((c) => c.start > down && c.end < up);
    expect(whileDown.length).toBeGreaterThan(100);
    expect(whileDown.every((c) => c.status === 503)).toBe(true);
    const overlapping = calls.filter((c) => c.end > down && c.start < up);
    const slowest = Math.max(...overlapping.map((c) => c.end - c.start));
    expect(slowest).toBeLessThan(failFastBoundMs);

    // Retried with their keys once the in-progress claims' leases (60 s) have run out, the failed calls
    // each create their mandate, or replay it if their write had committed after all.
    clock.advance(61_000);
    for (const c of unavailable) {
      const retry = await createMandate(secret, c.key, c.body);
      expect(retry.status).toBe(200);
    }
    const admin = server.admin.em.fork();
    const mandates = await admin.execute<{ email: string; invites: string }[]>(
      `select m."payer_email" as email, count(i."id") as invites from "mandate" m
       left join "mandate_invite" i on i."organisation_id" = m."organisation_id" and i."mandate_id" = m."id"
       where m."organisation_id" = ? group by m."id", m."payer_email"`,
      [organisationId],
    );
    const keys = new Set(calls.map((c) => c.key));
    expect(mandates).toHaveLength(keys.size);
    expect(new Set(mandates.map((m) => m.email))).toEqual(new Set(calls.map((c) => c.body.payer.email)));
    expect(mandates.every((m) => Number(m.invites) === 1)).toBe(true);
    const open = await admin.execute(
      `select 1 from "idempotency_record" where "organisation_id" = ? and "state" <> 'completed'`,
      [organisationId],
    );
    expect(open).toHaveLength(0);

    const warnings = server.logs.filter((l) => l.level === "warn" || l.level === "error");
    console.log(
      JSON.stringify({
        calls: calls.length,
        unavailable: unavailable.length,
        while_down: whileDown.length,
        slowest_overlapping_ms: Math.round(slowest),
        not_serving_after_ms: Math.round(notServing - down),
        serving_after_restart_ms: Math.round(serving - up),
        first_write_after_restart_ms: Math.round(recovered - up),
        retried: unavailable.length,
        mandates: mandates.length,
        warn_or_error_log_lines: warnings.length,
      }),
    );
  });
});
