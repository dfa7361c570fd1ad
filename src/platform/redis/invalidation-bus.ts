/**
 * invalidation-bus.ts tells every replica to drop a cached entry (a revoked API key, say). With Redis
 * it is a pub/sub channel; without, an in-process twin for the single embedded replica. Pub/sub
 * loses messages sent while a subscriber is disconnected, so each subscriber is also told to resync
 * (flush everything) whenever its connection comes back.
 */
import { EventEmitter } from "node:events";
import type { Logger } from "../observability/logger.js";
import type { RedisClient } from "./client.js";

/** InvalidationBus carries short string messages to every replica, this one included. */
export interface InvalidationBus {
  publish(message: string): Promise<void>;
  /** onMessage gets every message; onResync is called when messages may have been missed. */
  subscribe(onMessage: (message: string) => void, onResync: () => void): Promise<void>;
  close(): Promise<void>;
}

/** createInProcessBus is the twin used when there is no Redis: one process, nothing to miss. */
export function createInProcessBus(): InvalidationBus {
  const events = new EventEmitter();
  return {
    async publish(message) {
      events.emit("message", message);
    },
    async subscribe(onMessage) {
      events.on("message", onMessage);
    },
    async close() {
      events.removeAllListeners();
    },
  };
}

/** createRedisBus publishes on `channel` with the shared client and subscribes on its own connection. */
export function createRedisBus(client: RedisClient, channel: string, logger: Logger): InvalidationBus {
  let subscriber: RedisClient | undefined;
  return {
    async publish(message) {
      await client.publish(channel, message);
    },
    async subscribe(onMessage, onResync) {
      // Named, so an operator (or a test) can find this connection in CLIENT LIST.
      subscriber = client.duplicate({ name: `${channel}:subscriber` });
      let lost = false;
      subscriber.on("error", (error: Error) => {
        if (!lost) logger.warn({ err: { message: error.message }, channel }, "invalidation channel lost; will resync");
        lost = true;
      });
      subscriber.on("ready", () => {
        if (!lost) return;
        lost = false;
        logger.info({ channel }, "invalidation channel back; flushing caches");
        onResync();
      });
      await subscriber.connect();
      await subscriber.subscribe(channel, onMessage);
    },
    async close() {
      await subscriber?.close().catch(() => undefined);
    },
  };
}
