/**
 * full.ts starts the real server (buildServer: every interceptor, REST transcoder, CORS, health,
 * reflection, the App's identity services) on a fresh PostgreSQL database, as production would run
 * it, with a quiet logger so log writing is not what the bench measures. Without `redis` the App uses
 * its in-process twins (one replica), as the service does without REDIS_URL.
 */
import { randomBytes } from "node:crypto";
import { type Knex, knex } from "@mikro-orm/postgresql";
import { type App, createApp } from "../../src/app.js";
import { rateLimitDefaults } from "../../src/config.js";
import { entities } from "../../src/entities.js";
import { systemClock } from "../../src/platform/clock.js";
import { type Database, openDatabase } from "../../src/platform/db/database.js";
import { createLogger } from "../../src/platform/observability/logger.js";
import { createMetrics, type Metrics } from "../../src/platform/observability/metrics.js";
import { connectRedis } from "../../src/platform/redis/client.js";
import { buildServer, type ServerDeps } from "../../src/server.js";
import { createTestDatabase } from "../../test/support/test-database.js";
import type { StartedServer } from "./started.js";

/** SeedDeps is what a seed gets to make a row's data. */
export interface SeedDeps {
  orm: Database["orm"];
  app: App;
  metrics: Metrics;
  databaseUrl: string;
  /**
   * The database as its superuser, for seeding in bulk: past row-level security (the rows of many
   * organisations at once) and allowed to drop and re-create indexes. Closed after the seed.
   */
  admin: Knex;
}

/**
 * startFullServer creates the database, migrates it and listens on a free port of 127.0.0.1. Each
 * resource is registered with `defer` as soon as it exists, so an interrupted start still cleans up.
 */
export async function startFullServer(
  defer: (cleanup: () => Promise<void>) => void,
  options: {
    registerRoutes?: ServerDeps["registerRoutes"];
    /** Creates the data a row needs once the server is built; returns it as fixtures. */
    seed?: (deps: SeedDeps) => Promise<Record<string, string>>;
    /** Use the Redis at TEST_REDIS_URL (rate limits, invalidation), as production does. */
    redis?: boolean;
  } = {},
): Promise<StartedServer> {
  // Warnings and errors only, on stderr: stdout carries the ready line.
  const logger = createLogger("warn", process.stderr);
  const testDatabase = await createTestDatabase();
  defer(() => testDatabase.drop());
  // Migrated by the database's owner, served by its runtime role (row-level security holds), as in production.
  const database = await openDatabase({
    entities,
    databaseUrl: testDatabase.url,
    migrationUrl: testDatabase.migrationUrl,
    dataDir: "/nonexistent",
    logger,
    poolMax: 2,
  });
  defer(() => database.close());
  const corsOrigins: string[] = [];
  const metrics = createMetrics();
  const redisKeyPrefix = `ddbench:${randomBytes(6).toString("hex")}:`;
  const redis = options.redis
    ? await connectRedis(process.env.TEST_REDIS_URL || "redis://127.0.0.1:6379", logger)
    : undefined;
  if (redis) {
    defer(async () => {
      for await (const keys of redis.scanIterator({ MATCH: `${redisKeyPrefix}*`, COUNT: 1000 }))
        if (keys.length > 0) await redis.del(keys);
      await redis.close();
    });
  }
  const app = createApp({
    orm: database.orm,
    logger,
    clock: systemClock,
    redis,
    redisKeyPrefix,
    corsOrigins,
    sessionCookieSecure: true,
    rateLimit: rateLimitDefaults,
    metrics,
  });
  defer(() => app.stop());
  await app.start();
  const server = buildServer({
    config: { readMaxBytes: 1024 * 1024, jsonMaxDepth: 32, corsOrigins, shutdownGraceMs: 2_000 },
    orm: database.orm,
    logger,
    metrics,
    app,
    ...(options.registerRoutes ? { registerRoutes: options.registerRoutes } : {}),
  });
  let fixtures: Record<string, string> = {};
  if (options.seed) {
    const admin = knex({ client: "pg", connection: testDatabase.adminUrl, pool: { min: 0, max: 2 } });
    try {
      fixtures = await options.seed({ orm: database.orm, app, metrics, databaseUrl: testDatabase.url, admin });
    } finally {
      await admin.destroy();
    }
  }
  const port = await server.listen(0, "127.0.0.1");
  server.started();
  defer(() => server.close());
  return { port, fixtures, database: new URL(testDatabase.url).pathname.slice(1) };
}
