/**
 * test-server.ts starts the real server for a test file: its own PostgreSQL database (dropped at
 * close), a listening port on 127.0.0.1, and a logger whose lines the test can read.
 */

import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import type { DescService } from "@bufbuild/protobuf";
import type { ConnectRouter } from "@connectrpc/connect";
import { MikroORM } from "@mikro-orm/postgresql";
import { type App, createApp, type WebhookSettings } from "../../src/app.js";
import { type RateLimitConfig, rateLimitDefaults } from "../../src/config.js";
import { entities } from "../../src/entities.js";
import type { PasswordCost } from "../../src/modules/identity/password.js";
import { type Clock, systemClock } from "../../src/platform/clock.js";
import { type Database, defaultDatabaseTimeouts, openDatabase } from "../../src/platform/db/database.js";
import { createOrmConfig } from "../../src/platform/db/orm-config.js";
import type { Mailer } from "../../src/platform/mail/mailer.js";
import { OutboxMailer } from "../../src/platform/mail/outbox-mailer.js";
import { createLogger, type LogLevel } from "../../src/platform/observability/logger.js";
import { createMetrics, type Metrics } from "../../src/platform/observability/metrics.js";
import { connectRedis, type RedisClient } from "../../src/platform/redis/client.js";
import type { WebAssets } from "../../src/rpc/web-assets.js";
import { buildServer, type DdServer } from "../../src/server.js";
import { applyTenantFilterSwitch } from "./tenant-filter-switch.js";
import { createTestDatabase, type TestDatabase } from "./test-database.js";
import { testPasswordCost } from "./test-password-cost.js";

/** testAccountNumberKey is the ACCOUNT_NUMBER_KEY of every test server. */
export const testAccountNumberKey = "test-account-number-key-0123456789abcdef";

export interface TestServer {
  port: number;
  baseUrl: string;
  server: DdServer;
  /** The database as the server uses it: its runtime role, which row-level security holds. */
  database: Database;
  /**
   * The same database as its superuser, past row-level security (the tenant filter still applies):
   * for tests that plant rows or look at what the server wrote, as an operator with psql would.
   */
  admin: MikroORM;
  metrics: Metrics;
  app: App;
  /** This server's Redis connection, when it has one; its keys start with redisKeyPrefix. */
  redis: RedisClient | undefined;
  redisKeyPrefix: string;
  /** Every log line written so far, parsed. */
  logs: Record<string, unknown>[];
  /** Every log line written so far, as text (to search for secrets). */
  rawLogs: string[];
  /** Where this server's emails land (a fresh temporary directory, removed at close). */
  outboxDir: string;
  close(): Promise<void>;
}

export interface TestServerOptions {
  corsOrigins?: string[];
  readMaxBytes?: number;
  /** The logger's level (info unless set; debug to read expected-behaviour lines). */
  logLevel?: LogLevel;
  /** JSON_MAX_DEPTH (the service's default, 32, unless set). */
  jsonMaxDepth?: number;
  shutdownGraceMs?: number;
  /** Use the in-process twins instead of the Redis at TEST_REDIS_URL. */
  withoutRedis?: boolean;
  /** Connections in the service's pool (4 unless set; the embedded database has 1). */
  poolMax?: number;
  clock?: Clock;
  /** Replaces the service registrations (to test start-up checks). */
  registerRoutes?: (router: ConnectRouter, app: App) => DescService[];
  /** Redis to use instead of TEST_REDIS_URL (a test's own Redis, for fault tests). */
  redisUrl?: string;
  /**
   * Overrides of the rate-limit configuration. The per-address limits default to far more than any
   * test file sends from 127.0.0.1 (the security suite fails thousands of credentials on purpose);
   * the files that test those limits set their own.
   */
  rateLimit?: Partial<RateLimitConfig>;
  /** TRUSTED_PROXIES: whose X-Forwarded-For is believed (default: nobody's). */
  trustedProxies?: string[];
  /** Serve this existing database (the caller created it and drops it) instead of a fresh one. */
  database?: TestDatabase;
  /** Base of invite links in emails (default https://pay.example.test). */
  publicBaseUrl?: string;
  /** How long verified API keys stay cached, ms (the service's default, 30 s, unless set). */
  apiKeyCacheTtlMs?: number;
  /** PostgreSQL's statement_timeout on the server's connections, ms (the service's default unless set). */
  statementTimeoutMs?: number;
  /** How often health asks the database whether it answers (the service's default unless set). */
  databaseProbe?: { intervalMs: number; timeoutMs: number };
  /** Idempotency answers kept per organisation (the service's default unless set). */
  idempotencyRecordsPerOrganisation?: number;
  /** SESSION_COOKIE_SECURE (default true, as in production). */
  sessionCookieSecure?: boolean;
  /** ACCOUNT_NUMBER_KEY (testAccountNumberKey unless set), for tests of a key rotation. */
  accountNumberKey?: string;
  /** The browser app to serve (browser tests load web/dist once and pass it); none by default. */
  webAssets?: WebAssets;
  /** Wraps the outbox mailer (to make the mail relay fail, say); the outbox mailer itself unless set. */
  mailer?: (outbox: Mailer) => Mailer;
  /** scrypt cost of new password hashes (testPasswordCost unless set; currentPasswordCost for the service's). */
  passwordCost?: PasswordCost;
  /** Webhooks (private networks allowed, dispatcher not started, unless set). */
  webhooks?: WebhookSettings;
}

/** Per-address limits no test file reaches by accident (see TestServerOptions.rateLimit). */
const generousAddressLimits: Partial<RateLimitConfig> = {
  failedAuthPerMinute: 1_000_000,
  failedAuthBurst: 1_000_000,
  publicPerMinute: 1_000_000,
  publicBurst: 1_000_000,
};

/** startTestServer builds and starts a server on a fresh database. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const rawLogs: string[] = [];
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (line === "") continue;
        rawLogs.push(line);
        logs.push(JSON.parse(line) as Record<string, unknown>);
      }
      callback();
    },
  });
  const logger = createLogger(options.logLevel ?? "info", sink);
  // Everything made so far is undone if a later step fails, so a failed start leaves nothing behind.
  const undo: (() => Promise<unknown>)[] = [];
  try {
    const ownDatabase: TestDatabase | undefined = options.database ? undefined : await createTestDatabase();
    if (ownDatabase) undo.unshift(() => ownDatabase.drop());
    const testDatabase = options.database ?? ownDatabase!;
    const database = await openDatabase({
      entities,
      databaseUrl: testDatabase.url,
      migrationUrl: testDatabase.migrationUrl,
      dataDir: "/nonexistent",
      logger,
      poolMax: options.poolMax ?? 4,
      timeouts: {
        ...defaultDatabaseTimeouts,
        statementMs: options.statementTimeoutMs ?? defaultDatabaseTimeouts.statementMs,
      },
    });
    undo.unshift(() => database.close());
    applyTenantFilterSwitch(database.orm);
    const admin = await MikroORM.init(
      createOrmConfig({ clientUrl: testDatabase.adminUrl, pool: { min: 0, max: 2 }, logger, entities }),
    );
    undo.unshift(() => admin.close(true));
    const metrics = createMetrics();
    // Connecting waits up to 10 s (not the service's 2 s): on a loaded machine a handshake can take
    // longer, and a test server that fails to start is a failed test file.
    const redis = options.withoutRedis
      ? undefined
      : await connectRedis(
          options.redisUrl ?? (process.env.TEST_REDIS_URL || "redis://127.0.0.1:6379"),
          logger,
          10_000,
        );
    const redisKeyPrefix = `ddtest:${randomBytes(6).toString("hex")}:`;
    if (redis) undo.unshift(() => closeRedis(redis, redisKeyPrefix));
    const tempDir = await mkdtemp(join(tmpdir(), "dd-test-"));
    undo.unshift(() => rm(tempDir, { recursive: true, force: true }));
    const outboxDir = join(tempDir, "outbox");
    const app = createApp({
      orm: database.orm,
      logger,
      clock: options.clock ?? systemClock,
      redis,
      redisKeyPrefix,
      corsOrigins: options.corsOrigins ?? [],
      sessionCookieSecure: options.sessionCookieSecure ?? true,
      rateLimit: { ...rateLimitDefaults, ...generousAddressLimits, ...options.rateLimit },
      metrics,
      mail: {
        mailer: (options.mailer ?? ((outbox) => outbox))(new OutboxMailer(outboxDir, systemClock)),
        publicBaseUrl: options.publicBaseUrl ?? "https://pay.example.test",
      },
      accountNumberKey: options.accountNumberKey ?? testAccountNumberKey,
      // Sign-in counts must be exact: a Redis answer slowed past the service's 100 ms by a loaded
      // machine would be counted in process instead, from zero (by design, for an outage).
      counterTimeoutMs: 10_000,
      apiKeyCacheTtlMs: options.apiKeyCacheTtlMs,
      idempotencyRecordsPerOrganisation: options.idempotencyRecordsPerOrganisation,
      passwordCost: options.passwordCost ?? testPasswordCost,
      webhooks: options.webhooks ?? { allowPrivateNetworks: true },
    });
    await app.start();
    undo.unshift(() => app.stop());
    const server = buildServer({
      config: {
        readMaxBytes: options.readMaxBytes ?? 1024 * 1024,
        jsonMaxDepth: options.jsonMaxDepth ?? 32,
        corsOrigins: options.corsOrigins ?? [],
        shutdownGraceMs: options.shutdownGraceMs ?? 2_000,
        trustedProxies: options.trustedProxies ?? [],
      },
      orm: database.orm,
      logger,
      metrics,
      app,
      ...(options.registerRoutes ? { registerRoutes: options.registerRoutes } : {}),
      databaseProbe: database.probe,
      databaseProbeTiming: options.databaseProbe,
      webAssets: options.webAssets,
    });
    const port = await server.listen(0, "127.0.0.1");
    server.started();
    undo.unshift(() => server.close());
    let closed = false;
    return {
      port,
      baseUrl: `http://127.0.0.1:${port}`,
      server,
      database,
      admin,
      metrics,
      app,
      redis,
      redisKeyPrefix,
      logs,
      rawLogs,
      outboxDir,
      async close() {
        if (closed) return;
        closed = true;
        await undoAll(undo);
      },
    };
  } catch (error) {
    await undoAll(undo).catch(() => undefined);
    throw error;
  }
}

/** undoAll runs every step, in order, even when one fails; then throws the first failure. */
async function undoAll(steps: readonly (() => Promise<unknown>)[]): Promise<void> {
  let failure: unknown;
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      failure ??= error;
    }
  }
  if (failure !== undefined) throw failure;
}

/** closeRedis deletes the keys under the prefix (while Redis answers) and closes the connection. */
async function closeRedis(redis: RedisClient, prefix: string): Promise<void> {
  if (redis.isReady) {
    for await (const keys of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) {
      if (keys.length > 0) await redis.del(keys);
    }
  }
  await redis.close().catch(() => redis.destroy());
}
