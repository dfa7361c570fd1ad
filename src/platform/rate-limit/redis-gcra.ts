/**
 * redis-gcra.ts runs GCRA inside Redis in one Lua script: one round trip per request, Redis's own
 * clock (replicas' clocks never matter), one key per limited subject. Keys look like
 * `<prefix>rl:{<subject>}`: the braces keep each subject on one Redis Cluster slot.
 */
import { defineScript } from "redis";
import { type Decision, emissionMs, type Limit, toleranceMs } from "./gcra.js";

/**
 * The script returns numbers as strings: Lua numbers come back from Redis as integers, and the
 * emission interval is fractional. It writes them with %.17g, not tostring (%.14g), which would round
 * a TAT of ~1.8e12 ms to 0.1 ms and skew limits above a few thousand a minute. The key's expiry is at
 * least 1 ms: at absurd limits the emission interval vanishes next to the clock and `ahead` is 0.
 * KEYS[1] = bucket; ARGV = emission ms, tolerance ms, cost.
 */
export const gcraScript = defineScript({
  NUMBER_OF_KEYS: 1,
  SCRIPT: `
local emission = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local ahead = tat + emission * cost - now
local function exact(x) return string.format('%.17g', x) end
if ahead > tolerance then
  return {0, exact(tat - now), exact(ahead - tolerance)}
end
redis.call('SET', KEYS[1], exact(now + ahead), 'PX', math.max(1, math.ceil(ahead)))
return {1, exact(ahead), '0'}
`,
  parseCommand(parser, key: string, emission: number, tolerance: number, cost: number) {
    parser.pushKey(key);
    parser.push(String(emission), String(tolerance), String(cost));
  },
  transformReply: undefined as unknown as () => [number, string, string],
});

/** GcraClient is a Redis client created with `scripts: { gcra: gcraScript }`. */
export interface GcraClient {
  gcra(key: string, emission: number, tolerance: number, cost: number): Promise<unknown>;
}

/** redisGcraKey is the bucket key of a subject. */
export function redisGcraKey(prefix: string, subject: string): string {
  return `${prefix}rl:{${subject}}`;
}

/** checkInRedis runs the script and turns its reply into a Decision. */
export async function checkInRedis(client: GcraClient, key: string, limit: Limit, cost = 1): Promise<Decision> {
  const emission = emissionMs(limit);
  const tolerance = toleranceMs(limit);
  const [allowed, ms, retry] = (await client.gcra(key, emission, tolerance, cost)) as [number, string, string];
  const millis = Number(ms);
  if (allowed === 1) {
    return { allowed: true, remaining: Math.floor((tolerance - millis) / emission), resetMs: millis, retryAfterMs: 0 };
  }
  return { allowed: false, remaining: 0, resetMs: millis, retryAfterMs: Number(retry) };
}
