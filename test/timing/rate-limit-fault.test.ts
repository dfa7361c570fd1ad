/**
 * Redis trouble never takes the API down: with a Redis this test owns, freeze it (it hangs) and kill
 * it (connections drop) in the middle of a load. No request fails, none waits on Redis longer than
 * the timeout, limits keep holding in process, and the service goes back to Redis by itself.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Organisation } from "../../src/modules/identity/organisation.entity.js";
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
  at: number;
  ms: number;
  status: number;
}

/** load runs `clients` request loops until `stop` says so and records every request. */
async function load(secret: string, clients: number, stop: () => boolean): Promise<Sample[]> {
  const samples: Sample[] = [];
  const origin = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (!stop()) {
        const started = performance.now();
        const res = await fetch(`${server.baseUrl}/v1/mandates/MD1`, {
          headers: { authorization: `Bearer ${secret}` },
        });
        await res.arrayBuffer();
        samples.push({ at: started - origin, ms: performance.now() - started, status: res.status });
      }
    }),
  );
  return samples;
}

/** backOnRedis measures how long after `since` the limiter uses Redis again. */
async function backOnRedis(since: number): Promise<number> {
  while (!server.app.limiter.usingRedis) {
    if (performance.now() - since > 10_000) throw new Error("not back on Redis after 10 s");
    await new Promise((r) => setTimeout(r, 10));
  }
  return performance.now() - since;
}

describe("rate limiting when Redis fails", () => {
  it("fails open to the in-process limit, never waits longer than the timeout, and returns to Redis", async () => {
    const org = await newOrganisation(server);
    // 1,200 a minute with a burst of 20: a 4-client loop goes over it, so refusals show the limit holds.
    await server.database.orm.em
      .fork()
      .nativeUpdate(Organisation, { id: org }, { rateLimitPerMinute: 1200, rateLimitBurst: 20 });
    const key = await newApiKey(server, org);

    let done = false;
    const running = load(key.secret, 4, () => done);
    const phases: Record<string, number> = {};
    const mark = (name: string) => (phases[name] = performance.now());
    await new Promise((r) => setTimeout(r, 1_000));
    expect(server.app.limiter.usingRedis).toBe(true);

    mark("frozen");
    redis.freeze();
    await new Promise((r) => setTimeout(r, 1_500));
    expect(server.app.limiter.usingRedis).toBe(false);
    mark("thawed");
    redis.thaw();
    const afterThaw = await backOnRedis(phases.thawed!);

    mark("killed");
    await redis.kill();
    await new Promise((r) => setTimeout(r, 1_500));
    expect(server.app.limiter.usingRedis).toBe(false);
    mark("restarted");
    await redis.restart();
    const afterRestart = await backOnRedis(phases.restarted!);
    await new Promise((r) => setTimeout(r, 500));
    done = true;
    const samples = await running;

    const failed = samples.filter((s) => s.status !== 404 && s.status !== 429);
    expect(failed, `failed requests: ${JSON.stringify(failed.slice(0, 5))}`).toHaveLength(0);
    const slowest = Math.max(...samples.map((s) => s.ms));
    // How long each request waited on the limiter, measured in the server (dd_rate_limit_check_seconds):
    // the client's own timings also carry its load and the rest of the request.
    const buckets = (await server.metrics.rateLimitCheck.get()).values.filter(
      (v) => v.metricName === "dd_rate_limit_check_seconds_bucket",
    );
    const within = (le: number | string) =>
      buckets.filter((v) => (v.labels as Record<string, unknown>).le === le).reduce((n, v) => n + v.value, 0);
    const allChecks = within("+Inf");
    const overBound = allChecks - within(0.07);
    const refusedInOutage = samples.filter(
      (s) => s.status === 429 && s.at > phases.frozen! - 0 && s.at < phases.restarted!,
    ).length;
    console.log(
      `fault test: ${samples.length} requests, none failed; slowest request ${slowest.toFixed(1)} ms end to end; ` +
        `${overBound} of ${allChecks} limiter checks over ${timeoutMs + 20} ms (timeout ${timeoutMs} ms); ` +
        `${refusedInOutage} refused by the in-process limit during the outages; back on Redis ${afterThaw.toFixed(0)} ms after thaw, ` +
        `${afterRestart.toFixed(0)} ms after restart; fallback decisions counted: ${(await server.metrics.rateLimitFallbacks.get()).values.map((v) => `${v.labels.reason}=${v.value}`).join(", ")}`,
    );
    expect(allChecks).toBeGreaterThanOrEqual(samples.length);
    expect(overBound).toBe(0);
    expect(afterThaw).toBeLessThan(5_000);
    expect(afterRestart).toBeLessThan(5_000);
    expect(samples.filter((s) => s.status === 429).length).toBeGreaterThan(0);
  }, 30_000);
});
