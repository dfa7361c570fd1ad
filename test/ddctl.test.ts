/**
 * The operator's path: the real `ddctl` as a child process against real PostgreSQL and Redis, with a
 * real server on the same database answering the keys it issues. Revocation and rotation must reach
 * that server at once (over the Redis invalidation channel), not after its cache expires.
 */
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiKey } from "../src/modules/identity/api-key.entity.js";
import { apiKeyDigest } from "../src/modules/identity/api-key-format.js";
import { AuditEvent } from "../src/modules/identity/audit-event.entity.js";
import { Organisation } from "../src/modules/identity/organisation.entity.js";
import { systemClock } from "../src/platform/clock.js";
import { migrations } from "../src/platform/db/migrations/index.js";
import { currentCode, fromBase32 } from "./support/authenticator.js";
import { signIn } from "./support/fixtures.js";
import { createTestDatabase, type TestDatabase } from "./support/test-database.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** ddctl runs `node bin/ddctl.js …` with only the variables given (plus PATH and the like). */
function ddctl(args: readonly string[], env: Record<string, string>, input = ""): Promise<Run> {
  const {
    DATABASE_URL: _d,
    REDIS_URL: _r,
    REDIS_KEY_PREFIX: _p,
    DATA_DIR: _dd,
    LOG_LEVEL: _l,
    ...inherited
  } = process.env;
  const child = spawn(process.execPath, ["bin/ddctl.js", ...args], {
    env: { ...inherited, ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
  child.stdin.end(input);
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) =>
      resolve({ code, stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString() }),
    );
  });
}

/** json checks that a run succeeded and printed exactly one JSON object, and returns it. */
function json(run: Run): Record<string, unknown> {
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
  const lines = run.stdout.trimEnd().split("\n");
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!) as Record<string, unknown>;
}

let database: TestDatabase;
let server: TestServer;
/** What ddctl needs to act on the server's database and reach it over Redis. */
let env: Record<string, string>;

/**
 * The server trusts a cached key for an hour (not the default 30 s), longer than this file can run:
 * a key it refuses after answering it from the cache was dropped by an invalidation message, however
 * long ddctl took, so the tests can wait for the refusal without a deadline that load could miss.
 */
const untilInvalidated = { timeout: 20_000, interval: 50 };

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startTestServer({ database, apiKeyCacheTtlMs: 3_600_000 });
  env = {
    ...database.env,
    REDIS_URL: process.env.TEST_REDIS_URL || "redis://127.0.0.1:6379",
    REDIS_KEY_PREFIX: server.redisKeyPrefix,
  };
});

afterAll(async () => {
  await server?.close();
  await database?.drop();
});

/** mandateStatus is the HTTP status of GetMandate with the key: 404 (no such mandate) once authenticated. */
async function mandateStatus(secret: string): Promise<number> {
  const res = await fetch(`${server.baseUrl}/v1/mandates/MDx`, { headers: { authorization: `Bearer ${secret}` } });
  await res.body?.cancel();
  return res.status;
}

// Each test runs ddctl (node + tsx + MikroORM, ~3 s of CPU) once or twice: on a loaded machine
// that takes far longer than the suite's 30 s default, which is a bound on hangs, not a figure.
const spawning = { timeout: 120_000 };

describe("ddctl migrate", spawning, () => {
  it("applies every migration to an empty database, then finds nothing to do", async () => {
    const fresh = await createTestDatabase();
    try {
      expect(json(await ddctl(["migrate", "--json"], fresh.env))).toEqual({
        applied: migrations.map((m) => m.name),
      });
      expect(json(await ddctl(["migrate", "--json"], fresh.env))).toEqual({ applied: [] });
    } finally {
      await fresh.drop();
    }
  });
});

describe("ddctl, from an organisation to a revoked key", spawning, () => {
  let organisationId = "";
  let firstKey = { id: "", secret: "" };
  let rotatedKey = { id: "", secret: "" };
  let userId = "";
  const userPassword = "correct horse battery staple";

  it("org create --json prints the id, name, sandbox flag and Bacs identity", async () => {
    const created = json(await ddctl(["org", "create", "--name", "Acme Lettings", "--sandbox", "--json"], env));
    expect(Object.keys(created).sort()).toEqual(["bacs_display_name", "id", "name", "sandbox", "service_user_number"]);
    // A sandbox never reaches Bacs: no SUN needed, and the name payers see is made from its own.
    expect(created).toMatchObject({
      name: "Acme Lettings",
      sandbox: true,
      service_user_number: null,
      bacs_display_name: "ACME LETTINGS",
    });
    expect(created.id).toMatch(/^OR[0-9A-Z]{26}$/);
    organisationId = created.id as string;
  });

  it("org create makes a live organisation with its service user number and display name, upper-cased", async () => {
    const args = ["org", "create", "--name", "Acme Lettings Ltd", "--sun", "123456", "--display-name", "Acme Lettings"];
    const created = json(await ddctl([...args, "--json"], env));
    expect(created).toMatchObject({
      name: "Acme Lettings Ltd",
      sandbox: false,
      service_user_number: "123456",
      bacs_display_name: "ACME LETTINGS",
    });
    const stored = await server.admin.em.fork().findOneOrFail(Organisation, created.id as string);
    expect([stored.sandbox, stored.serviceUserNumber, stored.bacsDisplayName]).toEqual([
      false,
      "123456",
      "ACME LETTINGS",
    ]);
  });

  it("org set-bacs stores the service user number and display name and records who changed them", async () => {
    const args = ["org", "set-bacs", "--org", organisationId, "--sun", "654321", "--display-name", " acme rent & co. "];
    expect(json(await ddctl([...args, "--json"], env))).toEqual({
      id: organisationId,
      service_user_number: "654321",
      bacs_display_name: "ACME RENT & CO.",
    });
    const stored = await server.admin.em.fork().findOneOrFail(Organisation, organisationId);
    expect([stored.serviceUserNumber, stored.bacsDisplayName]).toEqual(["654321", "ACME RENT & CO."]);
    const audit = await server.admin.em
      .fork()
      .find(AuditEvent, { organisation: organisationId, action: "organisation.set_bacs_identity" }, { filters: false });
    expect(audit.map((e) => [e.actor, e.target, e.outcome])).toEqual([["operator", organisationId, "success"]]);
    const text = await ddctl(args, env);
    expect([text.code, text.stdout]).toEqual([
      0,
      `organisation ${organisationId}: service user number 654321, shown to payers as "ACME RENT & CO."\n`,
    ]);
  });

  it("org set-notices stores the notice period and sender, records who changed them, and refuses a period under 3", async () => {
    const args = ["org", "set-notices", "--org", organisationId, "--notice-days", "5", "--sender", "organisation"];
    expect(json(await ddctl([...args, "--json"], env))).toEqual({
      id: organisationId,
      advance_notice_working_days: 5,
      payer_notices_by: "organisation",
    });
    const stored = await server.admin.em.fork().findOneOrFail(Organisation, organisationId);
    expect([stored.advanceNoticeWorkingDays, stored.payerNoticesBy]).toEqual([5, "ORGANISATION"]);
    const audit = await server.admin.em
      .fork()
      .find(AuditEvent, { organisation: organisationId, action: "organisation.set_payer_notices" }, { filters: false });
    expect(audit).toHaveLength(1);
    const tooShort = await ddctl(
      ["org", "set-notices", "--org", organisationId, "--notice-days", "2", "--sender", "service"],
      env,
    );
    expect(tooShort.code).not.toBe(0);
    expect(tooShort.stderr).toContain("advance_notice_working_days");
    const badSender = await ddctl(
      ["org", "set-notices", "--org", organisationId, "--notice-days", "10", "--sender", "me"],
      env,
    );
    expect([badSender.code, badSender.stderr]).toEqual([
      2,
      'ddctl org set-notices: --sender must be service or organisation, got "me"\n',
    ]);
    const restored = ["org", "set-notices", "--org", organisationId, "--notice-days", "10", "--sender", "service"];
    expect((await ddctl(restored, env)).code).toBe(0);
  });

  it("org set-rate-limit stores the organisation's limit and records who changed it", async () => {
    const args = ["org", "set-rate-limit", "--org", organisationId, "--per-minute", "600", "--burst", "50", "--json"];
    expect(json(await ddctl(args, env))).toEqual({
      id: organisationId,
      rate_limit_per_minute: 600,
      rate_limit_burst: 50,
    });
    const stored = await server.admin.em.fork().findOneOrFail(Organisation, organisationId);
    expect([stored.rateLimitPerMinute, stored.rateLimitBurst]).toEqual([600, 50]);
    // AuditEvent is a tenant entity: read across tenants, as the test's own check.
    const audit = await server.admin.em
      .fork()
      .find(AuditEvent, { organisation: organisationId, action: "organisation.set_rate_limit" }, { filters: false });
    expect(audit.map((e) => [e.actor, e.target, e.outcome])).toEqual([["operator", organisationId, "success"]]);
  });

  it("user create reads the password from stdin, and that password signs in", async () => {
    const password = "correct horse battery staple";
    const args = [
      "user",
      "create",
      "--org",
      organisationId,
      "--email",
      "Ops@Acme.example",
      "--role",
      "admin",
      "--json",
    ];
    const created = json(await ddctl(args, env, `${password}\nthis second line is ignored\n`));
    expect(Object.keys(created).sort()).toEqual(["email", "id", "organisation_id", "role"]);
    expect(created).toMatchObject({ email: "ops@acme.example", role: "admin", organisation_id: organisationId });
    expect(created.id).toMatch(/^US/);
    userId = created.id as string;
    await expect(signIn(server, "ops@acme.example", password)).resolves.toMatchObject({
      cookie: expect.stringMatching(/^__Host-dd_session=/),
    });
  });

  it("key create prints a key, once, that the server accepts", async () => {
    const args = [
      "key",
      "create",
      "--org",
      organisationId,
      "--name",
      "agentOS",
      "--scopes",
      "mandates:read,mandates:write",
      "--expires-in",
      "90d",
      "--json",
    ];
    const before = Date.now();
    const created = json(await ddctl(args, env));
    const after = Date.now();
    expect(Object.keys(created).sort()).toEqual(["expire_time", "id", "key", "scopes"]);
    expect(created.id).toMatch(/^AK/);
    expect(created.key).toMatch(/^dd_test_[0-9A-Za-z]{38}$/);
    expect(created.scopes).toEqual(["mandates:read", "mandates:write"]);
    // 90 days from when ddctl ran (the same clock: ddctl runs on this machine).
    expect(Date.parse(created.expire_time as string)).toBeGreaterThanOrEqual(before + 90 * 86_400_000);
    expect(Date.parse(created.expire_time as string)).toBeLessThanOrEqual(after + 90 * 86_400_000);
    firstKey = { id: created.id as string, secret: created.key as string };
    expect(await mandateStatus(firstKey.secret)).toBe(404);
    // The server records last use beside the answer, not before it: wait for the write, so that
    // `key list` below sees it.
    await expect
      .poll(
        async () => (await server.admin.em.fork().findOneOrFail(ApiKey, firstKey.id, { filters: false })).lastUseTime,
        {
          timeout: 20_000,
          interval: 20,
        },
      )
      .not.toBeNull();
  });

  it("key list shows the keys without any secret or digest", async () => {
    const run = await ddctl(["key", "list", "--org", organisationId, "--json"], env);
    const listed = json(run);
    expect(listed).toEqual({
      api_keys: [
        {
          id: firstKey.id,
          name: "agentOS",
          scopes: ["mandates:read", "mandates:write"],
          display_prefix: firstKey.secret.slice(0, 12),
          create_time: expect.any(String),
          expire_time: expect.any(String),
          revoke_time: null,
          last_use_time: expect.any(String), // the call above used it
          state: "active",
        },
      ],
    });
    expect(run.stdout).not.toContain(firstKey.secret);
    expect(run.stdout).not.toContain(firstKey.secret.slice(12));
    expect(run.stdout).not.toContain(apiKeyDigest(firstKey.secret));
  });

  it("key rotate issues a working replacement and keeps the old key until the grace ends", async () => {
    const before = Date.now();
    const rotated = json(await ddctl(["key", "rotate", "--id", firstKey.id, "--grace", "2h", "--json"], env));
    const after = Date.now();
    expect(Object.keys(rotated).sort()).toEqual(["grace_end", "id", "key", "replaces"]);
    expect(rotated.replaces).toBe(firstKey.id);
    expect(rotated.id).toMatch(/^AK/);
    expect(rotated.id).not.toBe(firstKey.id);
    expect(Date.parse(rotated.grace_end as string)).toBeGreaterThanOrEqual(before + 2 * 3_600_000);
    expect(Date.parse(rotated.grace_end as string)).toBeLessThanOrEqual(after + 2 * 3_600_000);
    rotatedKey = { id: rotated.id as string, secret: rotated.key as string };
    expect(await mandateStatus(rotatedKey.secret)).toBe(404);
    expect(await mandateStatus(firstKey.secret)).toBe(404);
  });

  it("key revoke refuses the key on the running server at once, though it had it cached", async () => {
    expect(await mandateStatus(rotatedKey.secret)).toBe(404); // now in the server's cache
    const before = Date.now();
    const revoked = json(await ddctl(["key", "revoke", "--id", rotatedKey.id, "--json"], env));
    const after = Date.now();
    expect(Object.keys(revoked).sort()).toEqual(["id", "revoke_time"]);
    expect(revoked.id).toBe(rotatedKey.id);
    expect(Date.parse(revoked.revoke_time as string)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(revoked.revoke_time as string)).toBeLessThanOrEqual(after);
    // The CLI has exited only after publishing; the server's subscriber receives it a moment later.
    await expect.poll(() => mandateStatus(rotatedKey.secret), untilInvalidated).toBe(401);
    expect(await mandateStatus(firstKey.secret)).toBe(404);

    json(await ddctl(["key", "revoke", "--id", firstKey.id, "--json"], env));
    await expect.poll(() => mandateStatus(firstKey.secret), untilInvalidated).toBe(401);
  });

  it("key rotate with --grace 0s stops the old key at once", async () => {
    const created = json(
      await ddctl(
        ["key", "create", "--org", organisationId, "--name", "batch", "--scopes", "mandates:read", "--json"],
        env,
      ),
    );
    expect(created.expire_time).toBeNull();
    expect(await mandateStatus(created.key as string)).toBe(404);
    const rotated = json(await ddctl(["key", "rotate", "--id", created.id as string, "--grace", "0s", "--json"], env));
    await expect.poll(() => mandateStatus(created.key as string), untilInvalidated).toBe(401);
    expect(await mandateStatus(rotated.key as string)).toBe(404);
  });

  it("org require-totp --admins on confines an admin without TOTP to enrolling, off frees them; both audited", async () => {
    const { cookie } = await signIn(server, "ops@acme.example", userPassword);
    const apiKeys = () => fetch(`${server.baseUrl}/v1/apiKeys`, { headers: { cookie } });
    expect((await apiKeys()).status).toBe(200);
    const on = ["org", "require-totp", "--org", organisationId, "--admins", "on", "--json"];
    expect(json(await ddctl(on, env))).toEqual({ id: organisationId, require_admin_totp: true });
    const refused = await apiKeys();
    expect(refused.status).toBe(403);
    expect(JSON.stringify(await refused.json())).toContain("TOTP_ENROLMENT_REQUIRED");
    const off = ["org", "require-totp", "--org", organisationId, "--admins", "off", "--json"];
    expect(json(await ddctl(off, env))).toEqual({ id: organisationId, require_admin_totp: false });
    expect((await apiKeys()).status).toBe(200);
    const audit = await server.admin.em
      .fork()
      .find(
        AuditEvent,
        { organisation: organisationId, action: "organisation.require_admin_totp" },
        { filters: false, orderBy: { createTime: "asc", id: "asc" } },
      );
    expect(audit.map((e) => [e.actor, e.outcome])).toEqual([
      ["operator", "on"],
      ["operator", "off"],
    ]);
  });

  it("user set-role ends every session of the user at once", async () => {
    const { cookie } = await signIn(server, "ops@acme.example", userPassword);
    const current = () => fetch(`${server.baseUrl}/v1/sessions/current`, { headers: { cookie } });
    expect((await current()).status).toBe(200);
    const run = json(
      await ddctl(["user", "set-role", "--org", organisationId, "--user", userId, "--role", "member", "--json"], env),
    );
    expect(run).toMatchObject({ id: userId, role: "member" });
    expect(run.ended_sessions).toBeGreaterThanOrEqual(1);
    expect((await current()).status).toBe(401);
  });

  it("user reset-totp turns a user's TOTP off and ends their sessions", async () => {
    const { cookie } = await signIn(server, "ops@acme.example", userPassword);
    const post = (path: string, body: unknown) =>
      fetch(`${server.baseUrl}${path}`, {
        method: "POST",
        headers: { cookie, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const enrolment = (await (
      await post("/v1/sessions/current:enrollTotp", { currentPassword: userPassword })
    ).json()) as { secret: string };
    const code = currentCode(fromBase32(enrolment.secret), systemClock);
    expect((await post("/v1/sessions/current:confirmTotp", { code })).status).toBe(200);
    await expect(signIn(server, "ops@acme.example", userPassword)).rejects.toThrow(/TOTP_REQUIRED/);
    const run = json(await ddctl(["user", "reset-totp", "--org", organisationId, "--user", userId, "--json"], env));
    expect(run).toEqual({ id: userId, ended_sessions: 1 });
    expect((await fetch(`${server.baseUrl}/v1/sessions/current`, { headers: { cookie } })).status).toBe(401);
    await signIn(server, "ops@acme.example", userPassword);
  });

  it("user unlock clears a sign-in lock and says whether there was one", async () => {
    // Locked as ten wrong codes in a row leave it (test/totp-lock.test.ts makes them for real).
    const setFailures = (n: number) =>
      server.admin.em.fork().getConnection().execute("update app_user set totp_failures = ? where id = ?", [n, userId]);
    await setFailures(10);
    const run = json(await ddctl(["user", "unlock", "--org", organisationId, "--user", userId, "--json"], env));
    expect(run).toEqual({ id: userId, was_locked: true });
    const [row] = await server.admin.em
      .fork()
      .getConnection()
      .execute<{ totp_failures: number }[]>("select totp_failures from app_user where id = ?", [userId]);
    expect(row?.totp_failures).toBe(0);
    const again = json(await ddctl(["user", "unlock", "--org", organisationId, "--user", userId, "--json"], env));
    expect(again).toEqual({ id: userId, was_locked: false });
  });

  it("user deactivate ends the user's sessions and stops them signing in", async () => {
    const { cookie } = await signIn(server, "ops@acme.example", userPassword);
    const run = json(await ddctl(["user", "deactivate", "--org", organisationId, "--user", userId, "--json"], env));
    expect(run).toMatchObject({ id: userId });
    expect(run.ended_sessions).toBeGreaterThanOrEqual(1);
    expect((await fetch(`${server.baseUrl}/v1/sessions/current`, { headers: { cookie } })).status).toBe(401);
    await expect(signIn(server, "ops@acme.example", userPassword)).rejects.toThrow(/401/);
  });

  it("never let a secret reach the server's log", () => {
    const logs = server.rawLogs.join("\n");
    for (const secret of [firstKey.secret, rotatedKey.secret]) expect(logs).not.toContain(secret);
  });

  it("prints readable text without --json", async () => {
    const run = await ddctl(["key", "list", "--org", organisationId], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`${firstKey.id}  ${firstKey.secret.slice(0, 12)}…  revoked`);
    expect(run.stdout).not.toContain(firstKey.secret);
  });
});

describe("ddctl refusals", spawning, () => {
  it.each([
    ["an unknown command", ["frobnicate"], /unknown command "frobnicate"/],
    ["a group without its subcommand", ["key"], /ddctl key needs a subcommand/],
    ["an unknown flag", ["org", "create", "--name", "x", "--colour", "red"], /Unknown option '--colour'/],
    ["a missing flag", ["org", "create", "--sandbox"], /--name is required/],
    [
      "a password on the command line",
      ["user", "create", "--org", "ORx", "--email", "a@b.example", "--role", "admin", "--password", "x"],
      /Unknown option '--password'/,
    ],
    [
      "a bad role",
      ["user", "create", "--org", "ORx", "--email", "a@b.example", "--role", "owner"],
      /--role must be admin, member or viewer/,
    ],
    [
      "an unknown scope",
      ["key", "create", "--org", "ORx", "--name", "x", "--scopes", "mandates:read,payments:write"],
      /unknown scope payments:write/,
    ],
    [
      "a bad duration",
      ["key", "create", "--org", "ORx", "--name", "x", "--scopes", "mandates:read", "--expires-in", "3 weeks"],
      /"3 weeks" is not a duration/,
    ],
    ["a grace in weeks", ["key", "rotate", "--id", "AKx", "--grace", "1w"], /"1w" is not a duration/],
    [
      "a live organisation without a service user number",
      ["org", "create", "--name", "Acme", "--display-name", "ACME"],
      /^ddctl org create: --sun is required for a live organisation \(or give --sandbox\)/,
    ],
    [
      "a live organisation without a display name",
      ["org", "create", "--name", "Acme", "--sun", "123456"],
      /^ddctl org create: --display-name is required for a live organisation \(or give --sandbox\)/,
    ],
    [
      "a service user number that is not 6 digits",
      ["org", "create", "--name", "Acme", "--sun", "12345", "--display-name", "ACME"],
      /^ddctl org create: --sun must be exactly 6 digits, got "12345"/,
    ],
    [
      "a sandbox's bad service user number",
      ["org", "create", "--name", "Acme", "--sandbox", "--sun", "12345X"],
      /^ddctl org create: --sun must be exactly 6 digits, got "12345X"/,
    ],
    [
      "a display name of 19 characters",
      ["org", "create", "--name", "Acme", "--sun", "123456", "--display-name", "Acme Lettings North"],
      /^ddctl org create: --display-name must be 1 to 18 characters: A-Z, 0-9, space and & - \. \/, got "Acme Lettings North"/,
    ],
    [
      "a display name outside the Bacs characters",
      ["org", "create", "--name", "Acme", "--sun", "123456", "--display-name", "Café"],
      /^ddctl org create: --display-name must be 1 to 18 characters: A-Z, 0-9, space and & - \. \/, got "Café"/,
    ],
    [
      "set-bacs without an organisation",
      ["org", "set-bacs", "--sun", "123456", "--display-name", "ACME"],
      /^ddctl org set-bacs: --org is required/,
    ],
    [
      "set-bacs without a service user number",
      ["org", "set-bacs", "--org", "ORx", "--display-name", "ACME"],
      /^ddctl org set-bacs: --sun is required/,
    ],
    [
      "set-bacs without a display name",
      ["org", "set-bacs", "--org", "ORx", "--sun", "123456"],
      /^ddctl org set-bacs: --display-name is required/,
    ],
    [
      "set-bacs with a service user number of 7 digits",
      ["org", "set-bacs", "--org", "ORx", "--sun", "1234567", "--display-name", "ACME"],
      /^ddctl org set-bacs: --sun must be exactly 6 digits, got "1234567"/,
    ],
    [
      "set-bacs with a display name without a letter or digit",
      ["org", "set-bacs", "--org", "ORx", "--sun", "123456", "--display-name", "&&"],
      /^ddctl org set-bacs: --display-name must hold a letter or a digit, got "&&"/,
    ],
    [
      "set-bacs with an unknown flag",
      ["org", "set-bacs", "--org", "ORx", "--sun", "123456", "--display-name", "ACME", "--sandbox"],
      /Unknown option '--sandbox'/,
    ],
    [
      "a rate that is not a positive integer",
      ["org", "set-rate-limit", "--org", "ORx", "--per-minute", "0", "--burst", "5"],
      /--per-minute must be a whole number from 1/,
    ],
  ])("exits 2 with one line on stderr for %s", async (_what, args, message) => {
    const run = await ddctl(args, database.env);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(message);
  });

  it.each([
    [
      "a key that does not exist",
      ["key", "revoke", "--id", "AK0000000000NOTAREALKEY00000"],
      "",
      1,
      /API key AK0000000000NOTAREALKEY00000 not found/,
    ],
    [
      "an organisation that does not exist",
      ["key", "list", "--org", "OR0000000000NOTAREALORG00000"],
      "",
      1,
      /organisation OR0000000000NOTAREALORG00000 not found/,
    ],
    [
      "set-bacs on an organisation that does not exist",
      ["org", "set-bacs", "--org", "OR0000000000NOTAREALORG00000", "--sun", "123456", "--display-name", "ACME"],
      "",
      1,
      /organisation OR0000000000NOTAREALORG00000 not found/,
    ],
    [
      "a password that is too short",
      ["user", "create", "--org", "ORx", "--email", "a@b.example", "--role", "viewer"],
      "short\n",
      2,
      /password: must be at least 12 characters/,
    ],
    [
      "no password on stdin",
      ["user", "create", "--org", "ORx", "--email", "a@b.example", "--role", "viewer"],
      "",
      2,
      /give the password on stdin/,
    ],
  ])("names the problem in one line for %s", async (_what, args, input, code, message) => {
    const run = await ddctl(args, database.env, input);
    expect(run.code).toBe(code);
    expect(run.stdout).toBe("");
    expect(run.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it("says the embedded database is in use by the server instead of failing obscurely", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "ddctl-"));
    try {
      // What a running server leaves: the lock file beside its data, holding a live pid (ours).
      await mkdir(join(dataDir, "pg"));
      await writeFile(join(dataDir, "pg.lock"), String(process.pid));
      const run = await ddctl(["org", "create", "--name", "x", "--sandbox", "--json"], { DATA_DIR: dataDir });
      expect(run.code).toBe(1);
      expect(run.stdout).toBe("");
      expect(run.stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(run.stderr).toMatch(
        new RegExp(`embedded database in .* is in use by process ${process.pid} .*stop the server first`),
      );
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it("lists every command for --help and help", async () => {
    for (const args of [["--help"], ["help"]]) {
      const run = await ddctl(args, {});
      expect(run.code).toBe(0);
      for (const command of [
        "migrate",
        "org create",
        "org set-bacs",
        "org set-rate-limit",
        "org require-totp",
        "user create",
        "user set-role",
        "user deactivate",
        "user reset-totp",
        "user unlock",
        "key create",
        "key list",
        "key revoke",
        "key rotate",
        "account-numbers re-encrypt",
      ]) {
        expect(run.stdout).toContain(`ddctl ${command}`);
      }
    }
  });
});
