/**
 * main.ts starts the service: read config, open the database (embedded PostgreSQL when no
 * DATABASE_URL), connect Redis when REDIS_URL is set, build the server, listen, and on SIGTERM/SIGINT
 * drain in-flight calls before closing everything. The first start on the embedded database also
 * creates a sandbox organisation, admin and key, and prints them once (first-start.ts).
 */
import { createApp } from "./app.js";
import { type Config, ConfigError, loadConfig, requireAccountNumberKey } from "./config.js";
import { entities } from "./entities.js";
import { loadModulusTables } from "./modules/bank-accounts/modulus-tables.js";
import { firstStartNotice, provisionFirstStart } from "./modules/identity/first-start.js";
import { accountNumberKeyFile, resolveAccountNumberKeys } from "./modules/mandates/account-number-keys.js";
import { systemClock } from "./platform/clock.js";
import { defaultDatabaseTimeouts, openDatabase } from "./platform/db/database.js";
import { OutboxMailer } from "./platform/mail/outbox-mailer.js";
import { SmtpMailer } from "./platform/mail/smtp-mailer.js";
import { createLogger } from "./platform/observability/logger.js";
import { createMetrics, serveMetrics } from "./platform/observability/metrics.js";
import { connectRedis } from "./platform/redis/client.js";
import { loadWebAssets } from "./rpc/web-assets.js";
import { buildServer } from "./server.js";

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
    requireAccountNumberKey(config);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  const metrics = createMetrics();
  const database = await openDatabase({
    entities,
    databaseUrl: config.databaseUrl,
    migrationUrl: config.migrationDatabaseUrl,
    dataDir: config.dataDir,
    logger,
    timeouts: {
      ...defaultDatabaseTimeouts,
      acquireMs: config.databaseAcquireTimeoutMs,
      statementMs: config.databaseStatementTimeoutMs,
    },
  });
  if (database.backend === "postgres" && database.bypassesRowLevelSecurity && !config.allowPrivilegedDatabaseRole) {
    await database.close();
    process.stderr.write(
      "refusing to serve: DATABASE_URL logs in as a superuser or BYPASSRLS role, which row-level security does not " +
        "hold. Serve as a plain role and migrate with MIGRATION_DATABASE_URL (docs/operations.md), or set " +
        "ALLOW_PRIVILEGED_DATABASE_ROLE=true to run without the second tenant wall.\n",
    );
    process.exit(2);
  }
  const redis = config.redisUrl ? await connectRedis(config.redisUrl, logger) : undefined;
  logger.info(
    {
      database: database.backend === "embedded" ? `embedded PostgreSQL (PGlite) in ${config.dataDir}` : "PostgreSQL",
      row_level_security: database.bypassesRowLevelSecurity ? "not enforced (privileged role)" : "enforced",
      redis: redis ? "Redis" : "in-process (no REDIS_URL)",
      // The relay's host only: SMTP_URL may carry credentials.
      mail: config.smtpUrl ? `SMTP relay ${new URL(config.smtpUrl).host}` : `outbox files in ${config.mailOutboxDir}`,
    },
    "backends",
  );

  const accountNumberKeys = await resolveAccountNumberKeys({
    key: config.accountNumberKey,
    old: config.accountNumberKeysOld,
    generatedKeyFile: accountNumberKeyFile(config.dataDir),
  });
  if (accountNumberKeys.generatedKeyFile !== undefined) {
    logger.warn(
      { key_file: accountNumberKeys.generatedKeyFile },
      "ACCOUNT_NUMBER_KEY is not set: account numbers are encrypted with the key generated in key_file; " +
        "keep it with the data, and set ACCOUNT_NUMBER_KEY in production",
    );
  }
  const mailer = config.smtpUrl
    ? new SmtpMailer(config.smtpUrl, config.mailFrom)
    : new OutboxMailer(config.mailOutboxDir, systemClock);
  const app = createApp({
    orm: database.orm,
    logger,
    clock: systemClock,
    redis,
    redisKeyPrefix: config.redisKeyPrefix,
    corsOrigins: config.corsOrigins,
    sessionCookieSecure: config.sessionCookieSecure,
    rateLimit: config.rateLimit,
    metrics,
    mail: { mailer, publicBaseUrl: config.publicBaseUrl },
    accountNumberKey: accountNumberKeys.current,
    accountNumberKeysOld: accountNumberKeys.old,
    modulusTables: loadModulusTables(config.modulusTablesDir),
    reportStatementTimeoutMs: config.reportStatementTimeoutMs,
    idempotencyRecordsPerOrganisation: config.idempotencyRecordsPerOrganisation,
    // Every replica runs Bacs processing; SKIP LOCKED keeps them from doing the same work twice.
    bacsProcessing: { intervalMs: 5_000 },
    // Every replica delivers webhooks; SKIP LOCKED and leases keep them from sending one twice.
    webhooks: { allowPrivateNetworks: config.webhookAllowPrivateNetworks, dispatch: {} },
  });
  await app.start();
  const webAssets = await loadWebAssets(config.webDir);
  if (!webAssets.built) {
    logger.warn(
      { web_dir: config.webDir },
      "the browser app is not built in web_dir: the console and the payer page answer 503 until `npm run build:web`",
    );
  }
  const server = buildServer({
    config,
    orm: database.orm,
    databaseProbe: database.probe,
    logger,
    metrics,
    app,
    webAssets,
  });
  const port = await server.listen(config.port, config.host);
  const metricsServer = await serveMetrics(metrics, config.metricsPort, config.metricsHost);
  // Before anything announces readiness: whoever sees "listening" may send SIGTERM at once.
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, grace_ms: config.shutdownGraceMs }, "shutting down: draining in-flight calls");
    await server.close();
    await app.stop();
    metricsServer.server.close();
    await redis?.close().catch(() => undefined);
    await database.close();
    logger.info("stopped");
    process.exit(0);
  };
  process.once("SIGTERM", () => void stop("SIGTERM"));
  process.once("SIGINT", () => void stop("SIGINT"));

  if (database.backend === "embedded") {
    const firstStart = await provisionFirstStart(database.orm, app.provisioning, app.apiKeys);
    if (firstStart) {
      const { organisationId, userId, apiKeyId } = firstStart;
      logger.info(
        { organisation_id: organisationId, user_id: userId, api_key_id: apiKeyId },
        "first start: created sandbox organisation",
      );
      // Straight to stdout, not through the logger, so the secrets never enter the log pipeline; before
      // "listening", so whoever waits for that line has the credentials by then.
      process.stdout.write(firstStartNotice(firstStart, port));
    }
  }
  server.started();
  logger.info(
    {
      port,
      console_url: `${config.publicBaseUrl}/console/`,
      metrics_port: metricsServer.port,
      metrics_host: metricsServer.host,
    },
    "listening",
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
