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

describe("GCRA in Redis", () => {
  it("admits the burst at once, then refuses with the time to wait", async () => {
    const key = `${prefix}burst`;
    const limit = { perMinute: 60, burst: 3 };
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await checkInRedis(redis, key, limit));
    expect(answers.map((a) => a.allowed)).toEqual([true, true, true, false]);
    expect(answers.map((a) => a.remaining)).toEqual([2, 1, 0, 0]);
    expect(answers[3]!.retryAfterMs).toBeGreaterThan(900);
    expect(answers[3]!.retryAfterMs).toBeLessThanOrEqual(1000);
  });

  it("charges exactly one emission interval per request, even for sub-millisecond intervals", async () => {
    const key = `${prefix}precise`;
    const limit = { perMinute: 1_000_000, burst: 10_000 }; // one every 0.06 ms
    const redisMs = async () => {
      const [seconds, micros] = (await redis.sendCommand(["TIME"])) as [string, string];
      return Number(seconds) * 1000 + Number(micros) / 1000;
    };
    const before = await redisMs();
    // Sent together, the checks run back to back in Redis, faster than the bucket refills, so every
    // one moves the theoretical arrival time by exactly one interval: 1,000 × 0.06 ms = 60 ms.
    const answers = await Promise.all(Array.from({ length: 1000 }, () => checkInRedis(redis, key, limit)));
    const after = await redisMs();
    expect(answers.every((a) => a.allowed)).toBe(true);
    const tat = Number(await redis.get(`${key}`));
    expect(tat).toBeGreaterThanOrEqual(before + 60 - 0.01);
    expect(tat).toBeLessThanOrEqual(after + 60 + 0.01);
  });

  it("never fails on absurdly high limits", async () => {
    const key = `${prefix}huge`;
    for (let i = 0; i < 100; i++)
      expect((await checkInRedis(redis, key, { perMinute: 1_000_000_000, burst: 1_000_000 })).allowed).toBe(true);
  });
});
