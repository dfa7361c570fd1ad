/**
 * client.ts connects to Redis with options that fail fast: node-redis's defaults queue commands
 * forever while Redis is down, which would hang requests. Callers on the request path add their own
 * per-command timeouts; this client never queues while offline and reconnects with a capped back-off.
 */
import { createClient } from "redis";
import type { Logger } from "../observability/logger.js";
import { gcraScript } from "../rate-limit/redis-gcra.js";
import { withTimeout } from "../with-timeout.js";

function newClient(url: string, connectTimeoutMs: number) {
  return createClient({
    url,
    scripts: { gcra: gcraScript },
    disableOfflineQueue: true,
    socket: {
      connectTimeout: connectTimeoutMs,
      // No socket inactivity timeout: an idle connection (a pub/sub subscriber above all) is healthy.
      // Request-path calls carry their own timeouts; a dropped connection errors at once.
      // Back off to at most 2 s between attempts; never give up (Redis coming back must be noticed).
      reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, 2_000),
    },
  });
}

/** RedisClient is a node-redis client with our Lua scripts registered (EVALSHA, falling back to EVAL). */
export type RedisClient = ReturnType<typeof newClient>;

/** connectRedis connects and resolves once Redis answers, or rejects after connectTimeoutMs. */
export async function connectRedis(url: string, logger: Logger, connectTimeoutMs = 2_000): Promise<RedisClient> {
  const client = newClient(url, connectTimeoutMs);
  let lastError = "";
  client.on("error", (error: Error) => {
    // One line per distinct error, not one per reconnect attempt.
    if (error.message !== lastError) logger.warn({ err: { message: error.message } }, "redis error");
    lastError = error.message;
  });
  client.on("ready", () => {
    if (lastError !== "") logger.info("redis connection restored");
    lastError = "";
  });
  try {
    await withTimeout(client.connect(), connectTimeoutMs, "Redis");
  } catch (error) {
    client.destroy();
    throw error;
  }
  return client;
}
