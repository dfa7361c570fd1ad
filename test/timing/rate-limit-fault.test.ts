/**
 * Redis trouble never takes the API down: with a Redis this test owns, freeze it (it hangs) and kill
 * it (connections drop) in the middle of a load. No request fails, none waits on Redis longer than
 * the timeout, limits keep holding in process, and the service goes back to Redis by itself.
 *
 * Built to hold on a loaded machine: each phase lasts until enough decisions went through it (counted),
 * not for a fixed sleep; and "never waits longer than the timeout" is checked in event-loop turns
 * rather than milliseconds: a check still undecided one turn after its own timer fired waited on
 * Redis, while one whose process was not scheduled for a while did not. Milliseconds are reported.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Organisation } from "../../src/modules/identity/organisation.entity.js";
import type { Decision } from "../../src/platform/rate-limit/gcra.js";
import { newApiKey, newOrganisation } from "../support/fixtures.js";
import { OwnRedis } from "../support/own-redis.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

const timeoutMs = 50;
let redis: OwnRedis;
let server: TestServer;

beforeAll(async () => {
  redis = await OwnRedis.start();
  server = await startTestServer({ redisUrl: redis.url, rateLimit: { timeoutMs } });
});
afterAll(async () => {
  await server?.close();
  await redis?.kill();
});

interface Sample {
  ms: number;
  status: number;
}

/** load runs `clients` request loops until `stop` says so and records every request. */
async function load(secret: string, clients: number, stop: () => boolean): Promise<Sample[]> {
  const samples: Sample[] = [];
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (!stop()) {
        const started = performance.now();
        const res = await fetch(`${server.baseUrl}/v1/mandates/MD1`, {
          headers: { authorization: `Bearer ${secret}` },
        });
        await res.arrayBuffer();
        samples.push({ ms: performance.now() - started, status: res.status });
      }
    }),
  );
  return samples;
}

/** Decisions counts the limiter's decisions by backend and outcome ("redis admitted", "fallback refused"…). */
interface Decisions {
  counts: Map<string, number>;
  count(backend: string, outcome?: "admitted" | "refused"): number;
  /** Checks still undecided one event-loop turn after their timeout fired. */
  overran: number;
}

/**
 * watchChecks wraps the limiter's check. For each check it sets a sentinel timer of the same delay
 * right after the limiter set its own: the sentinel fires in the same timers phase, after the
 * limiter's timer, and looks one setImmediate later, after the limiter's own setImmediate and the
 * promise reactions it triggers. A check that honours its timeout has been decided by then, however
 * late the timers ran; one that waits on Redis past its timer has not.
 */
function watchChecks(target: TestServer): Decisions {
  const decisions: Decisions = {
    counts: new Map(),
    count: (backend, outcome) =>
      outcome === undefined
        ? decisions.count(backend, "admitted") + decisions.count(backend, "refused")
        : (decisions.counts.get(`${backend} ${outcome}`) ?? 0),
    overran: 0,
  };
  const limiter = target.app.limiter;
  const check = limiter.check.bind(limiter);
  limiter.check = (subject, limit, cost) => {
    let decided = false;
    const decision = check(subject, limit, cost);
    const sentinel = setTimeout(
      () =>
        setImmediate(() => {
          if (!decided) decisions.overran++;
        }),
      timeoutMs,
    );
    return decision.then((d: Decision & { backend?: string }) => {
      decided = true;
      clearTimeout(sentinel);
      // check returns the decision with the backend that made it ("redis", "fallback").
      const key = `${d.backend} ${d.allowed ? "admitted" : "refused"}`;
      decisions.counts.set(key, (decisions.counts.get(key) ?? 0) + 1);
      return d;
    });
  };
  return decisions;
}

/** until waits for a condition, checking every 10 ms; the deadline only turns a hang into a failure. */
async function until(what: string, condition: () => boolean, deadlineMs = 20_000): Promise<number> {
  const started = performance.now();
  while (!condition()) {
    if (performance.now() - started > deadlineMs) throw new Error(`${what}: not within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return performance.now() - started;
}

describe("rate limiting when Redis fails", () => {
  it("fails open to the in-process limit, never waits longer than the timeout, and returns to Redis", async () => {
    const org = await newOrganisation(server);
    // 60 a minute with a burst of 5: even a machine so loaded that the 4 loops manage a few requests
    // a second goes over it, so refusals, in Redis and in process, show that the limit holds.
    await server.admin.em.fork().nativeUpdate(Organisation, { id: org }, { rateLimitPerMinute: 60, rateLimitBurst: 5 });
    const key = await newApiKey(server, org);
    const limiter = server.app.limiter;
    const decisions = watchChecks(server);
    // A phase lasts until this many decisions went through it, however long that takes.
    const enough = 20;
    const inRedis = () => decisions.count("redis");
    const inProcess = () => decisions.count("fallback");

    let done = false;
    const running = load(key.secret, 4, () => done);
    await until("decisions in Redis", () => limiter.usingRedis && inRedis() >= enough);

    redis.freeze();
    let before = inProcess();
    await until(
      "decisions in process while Redis is frozen",
      () => !limiter.usingRedis && inProcess() >= before + enough,
    );
    redis.thaw();
    const afterThaw = await until("back on Redis after thaw", () => limiter.usingRedis);

    await redis.kill();
    before = inProcess();
    await until(
      "decisions in process while Redis is down",
      () => !limiter.usingRedis && inProcess() >= before + enough,
    );
    await redis.restart();
    const afterRestart = await until("back on Redis after restart", () => limiter.usingRedis);
    before = inRedis();
    await until("decisions in Redis again", () => inRedis() >= before + enough);
    done = true;
    const samples = await running;

    const failed = samples.filter((s) => s.status !== 404 && s.status !== 429);
    expect(failed, `failed requests: ${JSON.stringify(failed.slice(0, 5))}`).toHaveLength(0);
    const slowest = Math.max(...samples.map((s) => s.ms));
    // How long checks took in the server (dd_rate_limit_check_seconds), scheduling delays included:
    // reported, not asserted (see the file comment).
    const buckets = (await server.metrics.rateLimitCheck.get()).values.filter(
      (v) => v.metricName === "dd_rate_limit_check_seconds_bucket",
    );
    const within = (le: number | string) =>
      buckets.filter((v) => (v.labels as Record<string, unknown>).le === le).reduce((n, v) => n + v.value, 0);
    const allChecks = within("+Inf");
    const overBound = allChecks - within(0.07);
    console.log(
      `fault test: ${samples.length} requests, none failed; slowest request ${slowest.toFixed(1)} ms end to end; ` +
        `${decisions.overran} of ${allChecks} limiter checks undecided one event-loop turn after their timeout ` +
        `(${overBound} over ${timeoutMs + 20} ms of wall time, scheduling delays included); decisions: ` +
        `${[...decisions.counts].map(([k, n]) => `${k} ${n}`).join(", ")}; back on Redis ${afterThaw.toFixed(0)} ms ` +
        `after thaw, ${afterRestart.toFixed(0)} ms after restart; fallback decisions counted: ` +
        `${(await server.metrics.rateLimitFallbacks.get()).values.map((v) => `${v.labels.reason}=${v.value}`).join(", ")}`,
    );
    expect(allChecks).toBeGreaterThanOrEqual(samples.length);
    expect(decisions.overran).toBe(0);
    expect(decisions.count("fallback", "refused")).toBeGreaterThan(0);
    expect(decisions.count("redis", "refused")).toBeGreaterThan(0);
  }, 120_000);
});
