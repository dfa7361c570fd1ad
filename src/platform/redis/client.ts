/**
 * client.ts connects to Redis with options that fail fast: node-redis's defaults queue commands
 * forever while Redis is down, which would hang requests. Callers on the request path add their own
 * per-command timeouts; this client never queues while offline and reconnects with a capped back-off.
 */
import { createClient, type RedisClientType } from "redis";
import type { Logger } from "../observability/logger.js";

export type RedisClient = RedisClientType;

/** connectRedis connects and resolves once Redis answers, or rejects after connectTimeoutMs. */
export async function connectRedis(url: string, logger: Logger, connectTimeoutMs = 2_000): Promise<RedisClient> {
  const client: RedisClient = createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: connectTimeoutMs,
      socketTimeout: 5_000,
      // Back off to at most 2 s between attempts; never give up (Redis coming back must be noticed).
      reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, 2_000),
    },
  });
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
  await Promise.race([
    client.connect(),
    new Promise((_, reject) => setTimeout(() => reject(new Error(`redis did not answer within ${connectTimeoutMs} ms`)), connectTimeoutMs)),
  ]).catch(async (error: unknown) => {
    await client.destroy();
    throw error;
  });
  return client;
}
