import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, requireAccountNumberKey } from "./config.js";

describe("loadConfig", () => {
  it("has defaults that start the service with nothing set", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8080,
      metricsPort: 9464,
      metricsHost: "127.0.0.1",
      databaseUrl: undefined,
      redisUrl: undefined,
      logLevel: "info",
      corsOrigins: [],
      trustedProxies: [],
      readMaxBytes: 64 * 1024,
      jsonMaxDepth: 32,
    });
  });

  it("reads trusted proxies and the per-address limits", () => {
    expect(
      loadConfig({
        TRUSTED_PROXIES: "10.0.0.0/8, fd00::/8,192.0.2.1",
        FAILED_AUTH_RATE_LIMIT_PER_MINUTE: "12",
        FAILED_AUTH_RATE_LIMIT_BURST: "6",
        PUBLIC_RATE_LIMIT_PER_MINUTE: "120",
        PUBLIC_RATE_LIMIT_BURST: "40",
      }),
    ).toMatchObject({
      trustedProxies: ["10.0.0.0/8", "fd00::/8", "192.0.2.1"],
      rateLimit: { failedAuthPerMinute: 12, failedAuthBurst: 6, publicPerMinute: 120, publicBurst: 40 },
    });
  });

  it("reads every variable", () => {
    const config = loadConfig({
      PORT: "9000",
      METRICS_PORT: "0",
      METRICS_HOST: "0.0.0.0",
      DATABASE_URL: "postgres://u@db:5432/dd",
      REDIS_URL: "redis://cache:6379",
      LOG_LEVEL: "debug",
      CORS_ORIGINS: "https://a.example.com, http://localhost:5173",
      READ_MAX_BYTES: "2048",
      JSON_MAX_DEPTH: "12",
    });
    expect(config).toMatchObject({
      port: 9000,
      metricsPort: 0,
      metricsHost: "0.0.0.0",
      databaseUrl: "postgres://u@db:5432/dd",
      redisUrl: "redis://cache:6379",
      logLevel: "debug",
      corsOrigins: ["https://a.example.com", "http://localhost:5173"],
      readMaxBytes: 2048,
      jsonMaxDepth: 12,
    });
  });

  it("reads the invite and mail settings, with development defaults", () => {
    expect(loadConfig({ DATA_DIR: "/srv/dd" })).toMatchObject({
      publicBaseUrl: "http://localhost:8080",
      mailOutboxDir: "/srv/dd/outbox",
      accountNumberKey: undefined,
      accountNumberKeysOld: [],
    });
    // Links follow the port the process listens on, so a second local server's links reach it.
    expect(loadConfig({ PORT: "18080" }).publicBaseUrl).toBe("http://localhost:18080");
    const key = "k".repeat(32);
    expect(
      loadConfig({
        PUBLIC_BASE_URL: "https://pay.example.com/",
        MAIL_OUTBOX_DIR: "/var/mail/dd",
        ACCOUNT_NUMBER_KEY: key,
        ACCOUNT_NUMBER_KEYS_OLD: ` ${"o".repeat(32)}, ${"p".repeat(40)}`,
        SMTP_URL: "smtp://relay:25?tls=none",
      }),
    ).toMatchObject({
      publicBaseUrl: "https://pay.example.com",
      mailOutboxDir: "/var/mail/dd",
      accountNumberKey: key,
      accountNumberKeysOld: ["o".repeat(32), "p".repeat(40)],
      smtpUrl: "smtp://relay:25?tls=none",
    });
  });

  it("refuses PostgreSQL without ACCOUNT_NUMBER_KEY, in one line, and allows the embedded database without it", () => {
    const withPostgres = loadConfig({ DATABASE_URL: "postgres://u@db:5432/dd" });
    expect(() => requireAccountNumberKey(withPostgres)).toThrow(ConfigError);
    expect(() => requireAccountNumberKey(withPostgres)).toThrow(
      /^invalid configuration: ACCOUNT_NUMBER_KEY must be set when DATABASE_URL is: [^\n]+$/,
    );
    expect(() =>
      requireAccountNumberKey(
        loadConfig({ DATABASE_URL: "postgres://u@db:5432/dd", ACCOUNT_NUMBER_KEY: "k".repeat(32) }),
      ),
    ).not.toThrow();
    expect(() => requireAccountNumberKey(loadConfig({}))).not.toThrow();
  });

  it.each([
    [{ PORT: "eighty" }, /PORT must be a whole number/],
    [{ PUBLIC_BASE_URL: "ftp://x.example.com" }, /PUBLIC_BASE_URL must start with http:\/\/ or https:\/\//],
    [{ ACCOUNT_NUMBER_KEY: "short" }, /ACCOUNT_NUMBER_KEY must be at least 32 characters/],
    [{ PORT: "70000" }, /PORT must be between 0 and 65535/],
    [{ DATABASE_URL: "mysql://x" }, /DATABASE_URL must start with postgres:\/\//],
    [{ SMTP_URL: "http://relay.example" }, /SMTP_URL must start with smtp:\/\/ or smtps:\/\//],
    [{ SMTP_URL: "smtp://relay.example?tls=off" }, /SMTP_URL tls= must be none/],
    [{ SMTP_URL: "smtps://relay.example?tls=none" }, /SMTP_URL tls=none contradicts smtps/],
    [{ ACCOUNT_NUMBER_KEYS_OLD: `${"o".repeat(32)},short` }, /ACCOUNT_NUMBER_KEYS_OLD entries must be at least 32/],
    [{ REDIS_URL: "not a url" }, /REDIS_URL is not a valid URL/],
    [{ LOG_LEVEL: "loud" }, /LOG_LEVEL must be one of/],
    [{ CORS_ORIGINS: "https://a.example.com/path" }, /CORS_ORIGINS entries must be bare origins/],
    [{ READ_MAX_BYTES: "10" }, /READ_MAX_BYTES must be between/],
    [{ JSON_MAX_DEPTH: "2" }, /JSON_MAX_DEPTH must be between 8 and 1000/],
    [{ TRUSTED_PROXIES: "10.0.0.0/8, proxy.internal" }, /TRUSTED_PROXIES entries must be addresses or CIDRs/],
    [{ TRUSTED_PROXIES: "10.0.0.0/40" }, /TRUSTED_PROXIES entries must be addresses or CIDRs/],
    [{ PUBLIC_RATE_LIMIT_BURST: "0" }, /PUBLIC_RATE_LIMIT_BURST must be between/],
  ])("stops with one line naming the variable for %o", (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
