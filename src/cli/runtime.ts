/**
 * runtime.ts opens, on first use, what a ddctl command needs: the database the server uses
 * (DATABASE_URL, or the embedded PostgreSQL under DATA_DIR) and the same App the server builds, with
 * Redis when REDIS_URL is set so key revocations reach running servers. close() undoes whatever was
 * opened, in reverse order.
 */
import { type App, createApp } from "../app.js";
import { type Config, requireAccountNumberKey } from "../config.js";
import { entities } from "../entities.js";
import { loadModulusTables } from "../modules/bank-accounts/modulus-tables.js";
import { AccountNumberCipher } from "../modules/mandates/account-number-cipher.js";
import {
  accountNumberKeyFile,
  type ResolvedAccountNumberKeys,
  resolveAccountNumberKeys,
} from "../modules/mandates/account-number-keys.js";
import { systemClock } from "../platform/clock.js";
import { type Database, openDatabase } from "../platform/db/database.js";
import type { Logger } from "../platform/observability/logger.js";
import { createMetrics } from "../platform/observability/metrics.js";
import { connectRedis, type RedisClient } from "../platform/redis/client.js";
import { SecretCipher, type SecretPurpose } from "../platform/secret-cipher.js";

/** EmbeddedDatabaseInUseError: the server (or another ddctl) holds the embedded database's lock. */
export class EmbeddedDatabaseInUseError extends Error {
  constructor(dataDir: string, pid: string) {
    super(
      `the embedded database in ${dataDir} is in use by process ${pid} (probably the running server): ` +
        "embedded PostgreSQL serves one process at a time, so stop the server first, " +
        "or run the server and ddctl on PostgreSQL with DATABASE_URL",
    );
    this.name = "EmbeddedDatabaseInUseError";
  }
}

/** RedisUnreachableError: REDIS_URL is set but Redis did not answer, so a change could not be announced. */
export class RedisUnreachableError extends Error {
  override name = "RedisUnreachableError";
}

/** CliRuntime hands commands their database and App, opening each at most once. */
export class CliRuntime {
  private db: Database | undefined;
  private redis: RedisClient | undefined;
  private app: App | undefined;

  constructor(
    private readonly config: Config,
    private readonly logger: Logger,
  ) {}

  /** database opens (and migrates) the service's database. */
  async database(): Promise<Database> {
    if (this.db) return this.db;
    try {
      this.db = await openDatabase({
        entities,
        databaseUrl: this.config.databaseUrl,
        migrationUrl: this.config.migrationDatabaseUrl,
        dataDir: this.config.dataDir,
        logger: this.logger,
        poolMax: 2,
      });
    } catch (error) {
      // embedded-postgres.ts refuses a second process with this message; say what to do about it.
      const held = /embedded database is in use by process (\d+)/.exec(error instanceof Error ? error.message : "");
      if (held) throw new EmbeddedDatabaseInUseError(this.config.dataDir, held[1] ?? "?");
      throw error;
    }
    return this.db;
  }

  /**
   * accountNumberCipher holds the keys the server uses, resolved as main resolves them: refused
   * (ConfigError) on PostgreSQL without ACCOUNT_NUMBER_KEY, the generated key on the embedded database.
   */
  async accountNumberCipher(): Promise<AccountNumberCipher> {
    const keys = await this.accountNumberKeys();
    return new AccountNumberCipher(keys.current, keys.old);
  }

  /** secretCipher holds the same keys for TOTP or webhook secrets, as app.ts derives them for the server. */
  async secretCipher(purpose: SecretPurpose): Promise<SecretCipher> {
    const keys = await this.accountNumberKeys();
    return new SecretCipher(purpose, keys.current, keys.old);
  }

  private accountNumberKeys(): Promise<ResolvedAccountNumberKeys> {
    requireAccountNumberKey(this.config);
    return resolveAccountNumberKeys({
      key: this.config.accountNumberKey,
      old: this.config.accountNumberKeysOld,
      generatedKeyFile: accountNumberKeyFile(this.config.dataDir),
    });
  }

  /**
   * services builds and starts the App on the database. With `announce` and REDIS_URL set it uses
   * Redis, so a revocation is published on the channel every server listens to; without REDIS_URL
   * there is nothing to tell (a server without Redis is the only replica, and it is not running if we
   * hold the embedded database; on shared PostgreSQL its cache forgets the key within 30 s).
   */
  async services(options: { announce: boolean }): Promise<App> {
    if (this.app) return this.app;
    const db = await this.database();
    if (options.announce && this.config.redisUrl) {
      try {
        // Errors only: a refused connection is reported once, below, not also as a log line per retry.
        this.redis = await connectRedis(this.config.redisUrl, this.logger.child({}, { level: "error" }));
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new RedisUnreachableError(
          `could not reach Redis at REDIS_URL (${reason}), so running servers could not be told; nothing was changed`,
        );
      }
    }
    const app = createApp({
      orm: db.orm,
      logger: this.logger,
      clock: systemClock,
      redis: this.redis,
      redisKeyPrefix: this.config.redisKeyPrefix,
      corsOrigins: this.config.corsOrigins,
      sessionCookieSecure: this.config.sessionCookieSecure,
      rateLimit: this.config.rateLimit,
      metrics: createMetrics(),
      modulusTables: loadModulusTables(this.config.modulusTablesDir),
    });
    await app.start();
    this.app = app;
    return app;
  }

  /** close stops the App, then Redis, then the database; safe to call when nothing was opened. */
  async close(): Promise<void> {
    await this.app?.stop().catch(() => undefined);
    await this.redis?.close().catch(() => undefined);
    await this.db?.close();
    this.app = this.redis = this.db = undefined;
  }
}
