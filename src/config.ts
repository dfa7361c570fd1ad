/**
 * config.ts reads the environment into one typed, validated Config. A bad value stops start-up with
 * one line naming the variable, so an operator never has to guess which setting is wrong.
 */
import { resolve } from "node:path";
import { defaultModulusTablesDir } from "./modules/bank-accounts/modulus-tables.js";
import type { LogLevel } from "./platform/observability/logger.js";
import { parseTrustedProxy } from "./rpc/client-address.js";

export type { LogLevel };

export interface Config {
  /** The one port serving gRPC, Connect, gRPC-Web and REST; 0 picks a free port. */
  port: number;
  /** Address to listen on. */
  host: string;
  /** Prometheus metrics port (a separate listener, never exposed with the API); 0 picks a free port. */
  metricsPort: number;
  /** Address the metrics listener binds: loopback unless set, since /metrics has no authentication. */
  metricsHost: string;
  /** PostgreSQL URL of the runtime role; unset means the embedded PostgreSQL under dataDir. */
  databaseUrl: string | undefined;
  /** PostgreSQL URL of the schema owner, which migrates and grants the runtime role; unset: DATABASE_URL migrates. */
  migrationDatabaseUrl: string | undefined;
  /**
   * Serve with a DATABASE_URL role that is a superuser or has BYPASSRLS, which row-level security
   * does not hold. Refused unless set: the second tenant wall would silently be down.
   */
  allowPrivilegedDatabaseRole: boolean;
  /** Longest a call waits for a pooled connection, ms; past it the call is shed with UNAVAILABLE. */
  databaseAcquireTimeoutMs: number;
  /** Longest a statement may run, ms (PostgreSQL's statement_timeout on every connection). */
  databaseStatementTimeoutMs: number;
  /** Longest a report's query may run, ms: reports read up to two years of collections. */
  reportStatementTimeoutMs: number;
  /** Idempotency answers kept per organisation; beyond it the oldest are forgotten first. */
  idempotencyRecordsPerOrganisation: number;
  /** Redis URL; unset means in-process twins for what Redis does. */
  redisUrl: string | undefined;
  /** Where embedded backends keep their data. */
  dataDir: string;
  logLevel: LogLevel;
  /** Browser origins allowed by CORS (exact match, e.g. https://app.example.com). */
  corsOrigins: string[];
  /**
   * Proxies whose X-Forwarded-For is believed (CIDRs or addresses); empty: the TCP peer is the client.
   * See src/rpc/client-address.ts.
   */
  trustedProxies: string[];
  /**
   * Largest request body accepted, in bytes. Every RPC's request is a few fields of bounded length:
   * the default leaves ample room and keeps what a caller can make us read, inflate and parse before
   * authentication small.
   */
  readMaxBytes: number;
  /** Deepest nesting of arrays and objects in a JSON request body, checked before it is parsed. */
  jsonMaxDepth: number;
  /** How long shutdown waits for in-flight calls before closing connections, in milliseconds. */
  shutdownGraceMs: number;
  /** Prefix of every Redis key and channel this deployment uses. */
  redisKeyPrefix: string;
  /** The session cookie's Secure flag; turn off only for plain-HTTP localhost. */
  sessionCookieSecure: boolean;
  /**
   * WEBHOOK_ALLOW_PRIVATE_NETWORKS: webhook endpoints may be http and reach loopback and private
   * addresses. For local development and tests only: in production it opens our network to anyone
   * who can add an endpoint (modules/webhooks/target-address.ts).
   */
  webhookAllowPrivateNetworks: boolean;
  /** Rate limiting: Redis wait, replicas sharing the limit, and the per-user limit of sessions. */
  rateLimit: RateLimitConfig;
  /** Where payers reach the invite page: links are `<publicBaseUrl>/invite/<token>`. No trailing slash. */
  publicBaseUrl: string;
  /** The built browser app (console and payer page) served from the API port: `web/dist` by default. */
  webDir: string;
  /** Vocalink's modulus-checking tables (valacdos.txt, scsubtab.txt): `data/modulus` by default. */
  modulusTablesDir: string;
  /** Where emails are written while no SMTP relay is configured (the outbox); default `<dataDir>/outbox`. */
  mailOutboxDir: string;
  /**
   * SMTP relay (smtp:// with STARTTLS required, or smtps://; credentials in the URL; `?tls=none` for a
   * relay without TLS); unset writes email to mailOutboxDir.
   */
  smtpUrl: string | undefined;
  /** The From of every email. */
  mailFrom: string;
  /**
   * Secret (32+ characters) account numbers are encrypted with. Required with DATABASE_URL
   * (requireAccountNumberKey); unset on the embedded database, a key generated under dataDir.
   */
  accountNumberKey: string | undefined;
  /** Earlier ACCOUNT_NUMBER_KEYs: account numbers sealed under them still open until re-encrypted. */
  accountNumberKeysOld: string[];
}

export interface RateLimitConfig {
  /** Longest wait for Redis before deciding in process, ms. */
  timeoutMs: number;
  /** Replicas serving the API: while Redis is away each enforces its share of a limit. */
  replicas: number;
  /** Per signed-in user: requests per minute and burst. */
  sessionPerMinute: number;
  sessionBurst: number;
  /**
   * Per client address (IPv6 by /64), before authentication: failed authentications (each bad or
   * unknown key or session cookie costs one) per minute and burst; past it the address is refused
   * before any lookup.
   */
  failedAuthPerMinute: number;
  failedAuthBurst: number;
  /** Per client address: calls of public RPCs (SignIn, CompleteMandateInvite) per minute and burst. */
  publicPerMinute: number;
  publicBurst: number;
}

/** ConfigError names the variable at fault; main prints its message alone and exits. */
export class ConfigError extends Error {
  constructor(variable: string, problem: string) {
    super(`invalid configuration: ${variable} ${problem}`);
    this.name = "ConfigError";
  }
}

const logLevels: readonly LogLevel[] = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

/** rateLimitDefaults is the rate-limit configuration with no variable set. */
export const rateLimitDefaults: RateLimitConfig = {
  timeoutMs: 50,
  replicas: 1,
  sessionPerMinute: 3_000,
  sessionBurst: 300,
  // A client with a working key almost never fails; 30 failures in a row, then one every 2 s, bounds
  // the lookups of made-up keys per address while a mistyped key still gets its answer.
  failedAuthPerMinute: 30,
  failedAuthBurst: 30,
  // Payers completing invites and staff signing in, behind one NAT: generous for people, small for
  // a script (SignIn costs a scrypt hash; it also keeps its own per-email and per-address throttle).
  publicPerMinute: 60,
  publicBurst: 30,
};

/** loadConfig validates every variable it reads; env defaults to process.env. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const dataDir = resolve(nonEmpty(env, "DATA_DIR") ?? ".data");
  const listenPort = port(env, "PORT", 8080);
  return {
    port: listenPort,
    host: nonEmpty(env, "HOST") ?? "0.0.0.0",
    metricsPort: port(env, "METRICS_PORT", 9464),
    metricsHost: nonEmpty(env, "METRICS_HOST") ?? "127.0.0.1",
    databaseUrl: url(env, "DATABASE_URL", ["postgres:", "postgresql:"]),
    migrationDatabaseUrl: url(env, "MIGRATION_DATABASE_URL", ["postgres:", "postgresql:"]),
    allowPrivilegedDatabaseRole: boolean(env, "ALLOW_PRIVILEGED_DATABASE_ROLE", false),
    databaseAcquireTimeoutMs: integer(env, "DATABASE_ACQUIRE_TIMEOUT_MS", 5_000, 100, 600_000),
    databaseStatementTimeoutMs: integer(env, "DATABASE_STATEMENT_TIMEOUT_MS", 10_000, 100, 3_600_000),
    reportStatementTimeoutMs: integer(env, "REPORT_STATEMENT_TIMEOUT_MS", 60_000, 100, 3_600_000),
    idempotencyRecordsPerOrganisation: integer(env, "IDEMPOTENCY_RECORDS_PER_ORGANISATION", 100_000, 1_000, 10_000_000),
    redisUrl: url(env, "REDIS_URL", ["redis:", "rediss:"]),
    dataDir,
    logLevel: oneOf(env, "LOG_LEVEL", logLevels, "info"),
    corsOrigins: origins(env, "CORS_ORIGINS"),
    trustedProxies: trustedProxies(env, "TRUSTED_PROXIES"),
    readMaxBytes: integer(env, "READ_MAX_BYTES", 64 * 1024, 1024, 64 * 1024 * 1024),
    jsonMaxDepth: integer(env, "JSON_MAX_DEPTH", 32, 8, 1_000),
    shutdownGraceMs: integer(env, "SHUTDOWN_GRACE_MS", 10_000, 0, 600_000),
    redisKeyPrefix: keyPrefix(env, "REDIS_KEY_PREFIX", "dd:"),
    sessionCookieSecure: boolean(env, "SESSION_COOKIE_SECURE", true),
    webhookAllowPrivateNetworks: boolean(env, "WEBHOOK_ALLOW_PRIVATE_NETWORKS", false),
    // Unset, the links point at this process on this machine, on whatever port it listens on.
    publicBaseUrl: baseUrl(env, "PUBLIC_BASE_URL", `http://localhost:${listenPort}`),
    webDir: resolve(nonEmpty(env, "WEB_DIR") ?? "web/dist"),
    modulusTablesDir: resolve(nonEmpty(env, "MODULUS_TABLES_DIR") ?? defaultModulusTablesDir),
    mailOutboxDir: resolve(nonEmpty(env, "MAIL_OUTBOX_DIR") ?? `${dataDir}/outbox`),
    smtpUrl: smtpUrl(env, "SMTP_URL"),
    mailFrom: nonEmpty(env, "MAIL_FROM") ?? "Direct Debit <no-reply@localhost>",
    accountNumberKey: secret(env, "ACCOUNT_NUMBER_KEY", 32),
    accountNumberKeysOld: secrets(env, "ACCOUNT_NUMBER_KEYS_OLD", 32),
    rateLimit: {
      timeoutMs: integer(env, "RATE_LIMIT_TIMEOUT_MS", rateLimitDefaults.timeoutMs, 1, 10_000),
      replicas: integer(env, "RATE_LIMIT_REPLICAS", rateLimitDefaults.replicas, 1, 1_000),
      sessionPerMinute: integer(env, "SESSION_RATE_LIMIT_PER_MINUTE", rateLimitDefaults.sessionPerMinute, 1, 1_000_000),
      sessionBurst: integer(env, "SESSION_RATE_LIMIT_BURST", rateLimitDefaults.sessionBurst, 1, 1_000_000),
      failedAuthPerMinute: integer(
        env,
        "FAILED_AUTH_RATE_LIMIT_PER_MINUTE",
        rateLimitDefaults.failedAuthPerMinute,
        1,
        1_000_000,
      ),
      failedAuthBurst: integer(env, "FAILED_AUTH_RATE_LIMIT_BURST", rateLimitDefaults.failedAuthBurst, 1, 1_000_000),
      publicPerMinute: integer(env, "PUBLIC_RATE_LIMIT_PER_MINUTE", rateLimitDefaults.publicPerMinute, 1, 1_000_000),
      publicBurst: integer(env, "PUBLIC_RATE_LIMIT_BURST", rateLimitDefaults.publicBurst, 1, 1_000_000),
    },
  };
}

function nonEmpty(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === "" ? undefined : value;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = nonEmpty(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  return integer(env, name, fallback, 0, 65535);
}

function url(env: NodeJS.ProcessEnv, name: string, protocols: string[]): string | undefined {
  const raw = nonEmpty(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, "is not a valid URL");
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must start with ${protocols.map((p) => `${p}//`).join(" or ")}`);
  }
  return raw;
}

function baseUrl(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const raw = url(env, name, ["http:", "https:"]) ?? fallback;
  const parsed = new URL(raw);
  if (parsed.search !== "" || parsed.hash !== "") throw new ConfigError(name, "must not have a query or fragment");
  return raw.replace(/\/+$/, "");
}

function secret(env: NodeJS.ProcessEnv, name: string, minLength: number): string | undefined {
  const raw = nonEmpty(env, name);
  if (raw !== undefined && raw.length < minLength)
    throw new ConfigError(name, `must be at least ${minLength} characters`);
  return raw;
}

/** secrets reads a comma-separated list of secrets, each at least minLength characters. */
function secrets(env: NodeJS.ProcessEnv, name: string, minLength: number): string[] {
  const raw = nonEmpty(env, name);
  if (raw === undefined) return [];
  const list = raw.split(",").map((entry) => entry.trim());
  if (list.some((entry) => entry.length < minLength))
    throw new ConfigError(name, `entries must be at least ${minLength} characters each, separated by commas`);
  return list;
}

/**
 * smtpUrl reads SMTP_URL: its one option, `tls=none`, is the explicit way to send without TLS; any
 * other value of it is refused rather than read as "no TLS" by mistake.
 */
function smtpUrl(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = url(env, name, ["smtp:", "smtps:"]);
  if (raw === undefined) return undefined;
  const parsed = new URL(raw);
  const tls = parsed.searchParams.get("tls");
  if (tls !== null && tls !== "none") throw new ConfigError(name, `tls= must be none (or left out), got "${tls}"`);
  if (tls === "none" && parsed.protocol === "smtps:") throw new ConfigError(name, "tls=none contradicts smtps://");
  return raw;
}

/**
 * requireAccountNumberKey refuses to serve PostgreSQL without ACCOUNT_NUMBER_KEY: the fallback keys
 * (the development key in the source code, or one generated on this machine) fit the embedded
 * database, not a shared one whose replicas and backups must all read the same account numbers.
 */
export function requireAccountNumberKey(config: Pick<Config, "databaseUrl" | "accountNumberKey">): void {
  if (config.databaseUrl !== undefined && config.accountNumberKey === undefined) {
    throw new ConfigError(
      "ACCOUNT_NUMBER_KEY",
      "must be set when DATABASE_URL is: 32+ characters of secret, e.g. from `openssl rand -base64 32`",
    );
  }
}

function oneOf<T extends string>(env: NodeJS.ProcessEnv, name: string, allowed: readonly T[], fallback: T): T {
  const raw = nonEmpty(env, name);
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${allowed.join(", ")}, got "${raw}"`);
  }
  return raw as T;
}

function boolean(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = nonEmpty(env, name);
  if (raw === undefined) return fallback;
  if (raw === "true" || raw === "1") return true;
  if (raw === "false" || raw === "0") return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

function keyPrefix(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const raw = nonEmpty(env, name);
  if (raw === undefined) return fallback;
  if (!/^[A-Za-z0-9:_.-]{1,64}$/.test(raw)) throw new ConfigError(name, "must be 1 to 64 letters, digits or : _ . -");
  return raw;
}

function trustedProxies(env: NodeJS.ProcessEnv, name: string): string[] {
  const raw = nonEmpty(env, name);
  if (raw === undefined) return [];
  return raw.split(",").map((entry) => {
    const proxy = entry.trim();
    if (!parseTrustedProxy(proxy))
      throw new ConfigError(name, `entries must be addresses or CIDRs like 10.0.0.0/8 or fd00::/8, got "${proxy}"`);
    return proxy;
  });
}

function origins(env: NodeJS.ProcessEnv, name: string): string[] {
  const raw = nonEmpty(env, name);
  if (raw === undefined) return [];
  return raw.split(",").map((entry) => {
    const origin = entry.trim();
    let parsed: URL;
    try {
      parsed = new URL(origin);
    } catch {
      throw new ConfigError(name, `has an entry that is not an origin: "${origin}"`);
    }
    if (parsed.origin !== origin) {
      throw new ConfigError(name, `entries must be bare origins like https://app.example.com, got "${origin}"`);
    }
    return origin;
  });
}
