/**
 * The GCRA script against the Redis at TEST_REDIS_URL (its own random keys, deleted after).
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../observability/logger.js";
import { connectRedis, type RedisClient } from "../redis/client.js";
import { checkInRedis } from "./redis-gcra.js";

// Keys are passed whole here (no subject prefixing): the script does not care what a key looks like.

let redis: RedisClient;
const prefix = `ddtest:${randomBytes(6).toString("hex")}:`;
beforeAll(
  async () =>
    (redis = await connectRedis(process.env.TEST_REDIS_URL || "redis://127.0.0.1:6379", createLogger("silent"))),
);
afterAll(async () => {
  for await (const keys of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 }))
    if (keys.length > 0) await redis.del(keys);
  await redis.close();
});

/** redisMs is Redis's own clock, in ms: the clock the script decides by. */
async function redisMs(): Promise<number> {
  const [seconds, micros] = (await redis.sendCommand(["TIME"])) as [string, string];
  return Number(seconds) * 1000 + Number(micros) / 1000;
}

describe("GCRA in Redis", () => {
  it("admits the burst at once, then refuses with the time to wait", async () => {
    const key = `${prefix}burst`;
    // One a minute: the bucket does not refill between the calls, however slow they are.
    const limit = { perMinute: 1, burst: 3 };
    const before = await redisMs();
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await checkInRedis(redis, key, limit));
    const after = await redisMs();
    expect(answers.map((a) => a.allowed)).toEqual([true, true, true, false]);
    expect(answers.map((a) => a.remaining)).toEqual([2, 1, 0, 0]);
    // The refusal waits for one interval after the first call, less the time between the two (at
    // most the time between `before` and `after` on Redis's clock).
    expect(answers[3]!.retryAfterMs).toBeGreaterThanOrEqual(60_000 - (after - before));
    expect(answers[3]!.retryAfterMs).toBeLessThanOrEqual(60_000);
  });

  it("charges exactly one emission interval per request, even for sub-millisecond intervals", async () => {
    const key = `${prefix}precise`;
    const limit = { perMinute: 1_000_000, burst: 1_000_000 }; // one every 0.06 ms; a minute of tolerance
    // One check costing 30 s puts the bucket's TAT 30 s ahead of the clock: the key lives that long,
    // and every later check finds the TAT ahead and moves it by exactly its cost, however slowly the
    // checks arrive.
    expect((await checkInRedis(redis, key, limit, 500_000)).allowed).toBe(true);
    const start = Number(await redis.get(key));
    const answers = await Promise.all(Array.from({ length: 1000 }, () => checkInRedis(redis, key, limit)));
    const end = Number(await redis.get(key));
    expect(answers.every((a) => a.allowed)).toBe(true);
    // 1,000 × 0.06 ms = 60 ms. Each step is rounded to the nearest double (~0.0002 ms apart at
    // today's TATs), so the sum is within 0.1 % of 60 ms; Lua's tostring, rounding TATs to 0.1 ms,
    // would charge 0 or 0.1 ms a step (0 to 100 ms).
    expect(start).toBeGreaterThan(0);
    expect(Math.abs(end - start - 60)).toBeLessThan(0.1);
  });

  it("never fails on absurdly high limits", async () => {
    const key = `${prefix}huge`;
    for (let i = 0; i < 100; i++)
      expect((await checkInRedis(redis, key, { perMinute: 1_000_000_000, burst: 1_000_000 })).allowed).toBe(true);
  });
});
