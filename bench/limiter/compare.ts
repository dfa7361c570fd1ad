/**
 * compare.ts sets our GCRA limiter against rate-limiter-flexible's RateLimiterRedis on the same Redis:
 * checks per second from this process, and how many requests each lets through when two replicas
 * burst on either side of a window boundary, against the configured limit. Redis keys carry a random
 * prefix and are deleted afterwards.
 */
import { randomBytes } from "node:crypto";
import { RateLimiterRedis } from "rate-limiter-flexible";
import { createLogger } from "../../src/platform/observability/logger.js";
import { checkInRedis, redisGcraKey } from "../../src/platform/rate-limit/redis-gcra.js";
import { connectRedis, type RedisClient } from "../../src/platform/redis/client.js";

const redisUrl = process.env.TEST_REDIS_URL || "redis://127.0.0.1:6379";
const prefix = `ddbench:${randomBytes(6).toString("hex")}:`;

/** A limiter under test: check one request for a subject, true when admitted. */
type Check = (subject: string) => Promise<boolean>;

interface Contender {
  name: string;
  /** Builds a check for one replica (its own Redis connection) with this limit per second. */
  replica(client: RedisClient, perSecond: number): Check;
}

const contenders: Contender[] = [
  {
    name: "ours: GCRA, one Lua script",
    replica: (client, perSecond) => async (subject) =>
      (await checkInRedis(client, redisGcraKey(prefix, subject), { perMinute: perSecond * 60, burst: perSecond }))
        .allowed,
  },
  {
    name: "rate-limiter-flexible RateLimiterRedis (fixed window)",
    replica: (client, perSecond) => {
      const limiter = new RateLimiterRedis({
        storeClient: client,
        useRedisPackage: true,
        keyPrefix: `${prefix}rlf`,
        points: perSecond,
        duration: 1,
      });
      return (subject) =>
        limiter.consume(subject).then(
          () => true,
          (rejection: unknown) => {
            if (rejection instanceof Error) throw rejection;
            return false;
          },
        );
    },
  },
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** throughput: `concurrency` loops checking distinct subjects (never refused) for `seconds`. */
async function throughput(check: Check, seconds: number, concurrency = 64): Promise<number> {
  let checks = 0;
  const until = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, i) => {
      while (performance.now() < until) {
        await check(`tp:${i}:${checks % 1000}`);
        checks++;
      }
    }),
  );
  return checks / seconds;
}

/**
 * boundaryBurst: one request opens the window at t0; at t0 + 950 ms both replicas send `limit`
 * requests each, and again at t0 + 1050 ms. Returns what was admitted in those 100 ms.
 */
async function boundaryBurst(a: Check, b: Check, limit: number): Promise<number> {
  const subject = `burst:${randomBytes(4).toString("hex")}`;
  const t0 = performance.now();
  await a(subject);
  const burst = async () => {
    const answers = await Promise.all(
      Array.from({ length: limit }, (_, i) => (i % 2 === 0 ? a : b)(subject)).concat(
        Array.from({ length: limit }, (_, i) => (i % 2 === 0 ? b : a)(subject)),
      ),
    );
    return answers.filter(Boolean).length;
  };
  await sleep(Math.max(0, t0 + 950 - performance.now()));
  const before = await burst();
  await sleep(Math.max(0, t0 + 1050 - performance.now()));
  const after = await burst();
  return before + after;
}

/** LimiterRow is one line of the comparison table. */
export interface LimiterRow {
  name: string;
  checksPerSecond: number;
  boundaryAdmitted: number;
}

/** compareLimiters runs both measurements for both limiters. */
export async function compareLimiters(seconds: number, limitPerSecond = 100): Promise<LimiterRow[]> {
  const logger = createLogger("warn", process.stderr);
  const [one, two] = await Promise.all([connectRedis(redisUrl, logger), connectRedis(redisUrl, logger)]);
  try {
    const rows: LimiterRow[] = [];
    for (const contender of contenders) {
      const a = contender.replica(one, 1_000_000);
      await throughput(a, 0.5); // warm-up: scripts loaded, connections busy
      const checksPerSecond = await throughput(a, seconds);
      const boundaryAdmitted = await boundaryBurst(
        contender.replica(one, limitPerSecond),
        contender.replica(two, limitPerSecond),
        limitPerSecond,
      );
      rows.push({ name: contender.name, checksPerSecond, boundaryAdmitted });
    }
    return rows;
  } finally {
    for await (const keys of one.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 }))
      if (keys.length > 0) await one.del(keys);
    await Promise.all([one.close(), two.close()]);
  }
}

/** renderLimiterTable prints the comparison with the configured limit beside it. */
export function renderLimiterTable(rows: LimiterRow[], limitPerSecond = 100): string {
  const [ours] = rows;
  const lines = [
    `### Rate limiter against rate-limiter-flexible (same Redis, this process)`,
    "",
    `| limiter | checks/s | ratio | admitted in 100 ms across a window boundary, 2 replicas (limit ${limitPerSecond}/s, burst ${limitPerSecond}) |`,
    "|---|---:|---:|---:|",
    ...rows.map(
      (r) =>
        `| ${r.name} | ${Math.round(r.checksPerSecond)} | ${(r.checksPerSecond / (ours?.checksPerSecond ?? 1)).toFixed(2)} | ${r.boundaryAdmitted} |`,
    ),
    "",
    `One request opens the window; 950 ms later both replicas send ${limitPerSecond} requests each, and again 100 ms later. ` +
      `GCRA admits B + rate × elapsed (about ${limitPerSecond + limitPerSecond / 10} here); a fixed window admits up to twice the limit at its edge.`,
  ];
  return lines.join("\n");
}
