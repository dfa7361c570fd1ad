/**
 * Sessions and the second factor on a real server, over REST with cookies as a browser sends them:
 * ChangePassword (bounds, the current password, every other session ended, a fresh cookie), TOTP
 * enrolment, confirmation, sign-in with a code (required, single-use, counted when wrong) and
 * disabling, confirming ending the user's other sessions, the secret sealed at rest and never
 * logged, and an organisation that requires TOTP of admins (the lock after wrong codes:
 * totp-lock.test.ts). A TestClock moves time by whole 30-second steps, so codes are fresh without waiting.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditEvent } from "../src/modules/identity/audit-event.entity.js";
import { hotp, totpStep } from "../src/modules/identity/totp.js";
import { User } from "../src/modules/identity/user.entity.js";
import { scopeToOrganisation } from "../src/platform/db/tenant-filter.js";
import { withTenant } from "../src/platform/db/tenant-session.js";
import { currentCode, fromBase32 } from "./support/authenticator.js";
import { newOrganisation, newUser, sessionToken, signIn } from "./support/fixtures.js";
import { TestClock } from "./support/test-clock.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

let server: TestServer;
const clock = new TestClock();
const secrets: string[] = [];

beforeAll(async () => {
  server = await startTestServer({ clock, withoutRedis: true });
});
afterAll(async () => server?.close());

interface Answer {
  status: number;
  body: Record<string, unknown>;
  setCookie: string | null;
}

async function post(path: string, body: unknown, cookie?: string): Promise<Answer> {
  const res = await fetch(`${server.baseUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown>,
    setCookie: res.headers.get("set-cookie"),
  };
}

async function status(path: string, cookie: string): Promise<number> {
  const res = await fetch(`${server.baseUrl}${path}`, { headers: { cookie } });
  await res.arrayBuffer();
  return res.status;
}

const signInRaw = (email: string, password: string, totpCode?: string) =>
  post("/v1/sessions:signIn", { email, password, ...(totpCode === undefined ? {} : { totpCode }) });

/** codeNow is the authenticator's code now; nextStep moves the clock to the next 30-second step. */
const codeNow = (secret: Buffer) => currentCode(secret, clock);
const nextStep = () => clock.advance(30_000);

/** enrolled signs a new user in, enrols and confirms TOTP; returns the user, cookie and secret. */
async function enrolled(organisationId: string, role: "admin" | "member" = "member") {
  const user = await newUser(server, organisationId, role);
  const { cookie } = await signIn(server, user.email, user.password);
  const enrolment = await post("/v1/sessions/current:enrollTotp", { currentPassword: user.password }, cookie);
  expect(enrolment.status).toBe(200);
  const secret = fromBase32(enrolment.body.secret as string);
  secrets.push(enrolment.body.secret as string);
  const confirmCode = codeNow(secret);
  const confirmed = await post("/v1/sessions/current:confirmTotp", { code: confirmCode }, cookie);
  expect(confirmed.status).toBe(200);
  return { ...user, cookie, secret, confirmCode };
}

function reasonOf(answer: Answer): string | undefined {
  const details = (answer.body.details ?? []) as { reason?: string }[];
  return details.find((d) => d.reason !== undefined)?.reason;
}

function fieldsOf(answer: Answer): string[] {
  const details = (answer.body.details ?? []) as { fieldViolations?: { field: string }[] }[];
  return details.flatMap((d) => d.fieldViolations?.map((v) => v.field) ?? []);
}

describe("ChangePassword", () => {
  it("needs the current password and a new one of 12 characters to 1 KiB, naming the field", async () => {
    const org = await newOrganisation(server);
    const user = await newUser(server, org, "member");
    const { cookie } = await signIn(server, user.email, user.password);
    const change = (currentPassword: string, newPassword: string) =>
      post("/v1/sessions/current:changePassword", { currentPassword, newPassword }, cookie);
    const short = await change(user.password, "elevenchars");
    expect([short.status, fieldsOf(short)]).toEqual([400, ["new_password"]]);
    const long = await change(user.password, "x".repeat(1025));
    expect([long.status, fieldsOf(long)]).toEqual([400, ["new_password"]]);
    const missing = await change("", "a new password of length");
    expect([missing.status, fieldsOf(missing)]).toEqual([400, ["current_password"]]);
    const wrong = await change("not the password", "a new password of length");
    expect([wrong.status, reasonOf(wrong)]).toEqual([401, "INVALID_CREDENTIALS"]);
    // Nothing changed: the session still works and the old password still signs in.
    expect(await status("/v1/sessions/current", cookie)).toBe(200);
    await signIn(server, user.email, user.password);
  });

  it("ends every session of the user, this one included, and re-issues the caller's; audited", async () => {
    const org = await newOrganisation(server);
    const user = await newUser(server, org, "member");
    const first = await signIn(server, user.email, user.password);
    const other = await signIn(server, user.email, user.password);
    const newPassword = "a new password of some length";
    const changed = await post(
      "/v1/sessions/current:changePassword",
      { currentPassword: user.password, newPassword },
      first.cookie,
    );
    expect(changed.status).toBe(200);
    const reissued = changed.setCookie!.split(";")[0]!;
    secrets.push(user.password, newPassword, sessionToken(reissued), sessionToken(first.cookie));
    expect(reissued).toMatch(/^__Host-dd_session=[A-Za-z0-9_-]{43}$/);
    expect(sessionToken(reissued)).not.toBe(sessionToken(first.cookie));
    expect((changed.body.session as { id: string }).id).toMatch(/^SE/);
    expect(await status("/v1/sessions/current", first.cookie)).toBe(401);
    expect(await status("/v1/sessions/current", other.cookie)).toBe(401);
    expect(await status("/v1/sessions/current", reissued)).toBe(200);
    expect((await signInRaw(user.email, user.password)).status).toBe(401);
    await signIn(server, user.email, newPassword);
    const em = scopeToOrganisation(server.admin.em.fork(), org);
    expect(await em.count(AuditEvent, { action: "user.change_password", target: user.id, outcome: "success" })).toBe(1);
  });
});

describe("role change and deactivation", () => {
  it("end every session of the user in the transaction that makes the change", async () => {
    const org = await newOrganisation(server);
    const user = await newUser(server, org, "admin");
    const before = await signIn(server, user.email, user.password);
    await withTenant(server.database.orm, org, (em) =>
      server.app.userAccounts.setRole(em, { organisationId: org, actor: "operator" }, user.id, "viewer"),
    );
    expect(await status("/v1/sessions/current", before.cookie)).toBe(401);
    const after = await signIn(server, user.email, user.password);
    expect(await status("/v1/apiKeys", after.cookie)).toBe(403);
    await withTenant(server.database.orm, org, (em) =>
      server.app.userAccounts.deactivate(em, { organisationId: org, actor: "operator" }, user.id),
    );
    expect(await status("/v1/sessions/current", after.cookie)).toBe(401);
    const refused = await signInRaw(user.email, user.password);
    expect([refused.status, reasonOf(refused)]).toEqual([401, "INVALID_CREDENTIALS"]);
  });
});

// Each test signs in several times at the service's real scrypt cost (about a second a hash alone,
// several when the machine is busy), five of them at once in one test: 30 s is not enough under load.
describe("TOTP", { timeout: 90_000 }, () => {
  it("enrols (secret shown once, sealed at rest), confirms with a current code, and is shown on the session", async () => {
    const org = await newOrganisation(server);
    const user = await newUser(server, org, "member");
    const { cookie } = await signIn(server, user.email, user.password);
    // A session alone cannot turn a second factor on: the password is asked again.
    const cookieOnly = await post("/v1/sessions/current:enrollTotp", {}, cookie);
    expect([cookieOnly.status, fieldsOf(cookieOnly)]).toEqual([400, ["current_password"]]);
    const wrongPassword = await post(
      "/v1/sessions/current:enrollTotp",
      { currentPassword: "not the password" },
      cookie,
    );
    expect([wrongPassword.status, reasonOf(wrongPassword)]).toEqual([401, "INVALID_CREDENTIALS"]);
    const enrolment = await post("/v1/sessions/current:enrollTotp", { currentPassword: user.password }, cookie);
    expect(enrolment.status).toBe(200);
    const base32Secret = enrolment.body.secret as string;
    secrets.push(base32Secret);
    expect(base32Secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(enrolment.body.otpauthUri).toMatch(
      new RegExp(`^otpauth://totp/Direct%20Debit:${encodeURIComponent(user.email)}\\?secret=${base32Secret}&`),
    );
    const stored = await scopeToOrganisation(server.admin.em.fork(), org).findOneOrFail(User, user.id);
    const secret = fromBase32(base32Secret);
    expect(stored.totpSecret).toBeTruthy();
    for (const form of [base32Secret, secret.toString("hex"), secret.toString("base64url"), secret.toString("base64")])
      expect(stored.totpSecret).not.toContain(form);
    expect(stored.totpEnableTime).toBeNull();
    // Pending: sign-in needs no code yet.
    await signIn(server, user.email, user.password);
    const wrong = await post(
      "/v1/sessions/current:confirmTotp",
      { code: hotp(secret, totpStep(clock.now()) + 5) },
      cookie,
    );
    expect([wrong.status, fieldsOf(wrong)]).toEqual([400, ["code"]]);
    const confirmed = await post("/v1/sessions/current:confirmTotp", { code: codeNow(secret) }, cookie);
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.session).toMatchObject({ totpEnabled: true });
    const again = await post("/v1/sessions/current:enrollTotp", { currentPassword: user.password }, cookie);
    expect([again.status, reasonOf(again)]).toEqual([400, "TOTP_ALREADY_ENABLED"]);
  });

  it("makes sign-in need a current code: TOTP_REQUIRED without one, each code accepted once", async () => {
    const org = await newOrganisation(server);
    const user = await enrolled(org);
    const missing = await signInRaw(user.email, user.password);
    expect([missing.status, reasonOf(missing)]).toEqual([401, "TOTP_REQUIRED"]);
    // The code that confirmed the enrolment is used: not again, though still in its step.
    const reused = await signInRaw(user.email, user.password, user.confirmCode);
    expect([reused.status, reasonOf(reused)]).toEqual([401, "INVALID_CREDENTIALS"]);
    nextStep();
    const code = codeNow(user.secret);
    const ok = await signInRaw(user.email, user.password, code);
    expect(ok.status).toBe(200);
    expect(ok.body.session).toMatchObject({ totpEnabled: true });
    expect((await signInRaw(user.email, user.password, code)).status).toBe(401);
    // A code from two steps ago is outside the ±1 step window.
    const stale = hotp(user.secret, totpStep(clock.now()) - 2);
    nextStep();
    expect((await signInRaw(user.email, user.password, stale)).status).toBe(401);
    const malformed = await signInRaw(user.email, user.password, "12345x");
    expect([malformed.status, fieldsOf(malformed)]).toEqual([400, ["totp_code"]]);
  });

  it("accepts a code once even when parallel sign-ins carry it at the same moment", async () => {
    const org = await newOrganisation(server);
    const user = await enrolled(org);
    nextStep();
    const code = codeNow(user.secret);
    const answers = await Promise.all(Array.from({ length: 5 }, () => signInRaw(user.email, user.password, code)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 401, 401, 401, 401]);
  });

  it("counts a wrong code as a failed sign-in: the email's throttle answers 429 after 10 attempts", async () => {
    const org = await newOrganisation(server);
    const user = await enrolled(org);
    const wrongCode = hotp(user.secret, totpStep(clock.now()) + 7);
    const statuses: number[] = [];
    // Every attempt counts, the sign-in and the password check of the enrolment included: 8 more
    // reach the check, the 9th is refused.
    for (let i = 0; i < 9; i++) statuses.push((await signInRaw(user.email, user.password, wrongCode)).status);
    expect(statuses).toEqual([...Array(8).fill(401), 429]);
    const em = scopeToOrganisation(server.admin.em.fork(), org);
    expect(await em.count(AuditEvent, { action: "session.sign_in", outcome: "WRONG_TOTP_CODE" })).toBeGreaterThan(0);
  }, 120_000); // about a second of scrypt per attempt, eleven in a row

  it("refuses sign-in, without an internal error, when the sealed secret does not open; the log says why", async () => {
    const org = await newOrganisation(server);
    const user = await enrolled(org);
    // Another user's sealed secret: well-formed, but bound to another user id, so it cannot open.
    const other = await enrolled(org);
    await server.admin.em
      .fork()
      .getConnection()
      .execute("update app_user set totp_secret = (select totp_secret from app_user where id = ?) where id = ?", [
        other.id,
        user.id,
      ]);
    nextStep();
    const refused = await signInRaw(user.email, user.password, codeNow(user.secret));
    expect([refused.status, reasonOf(refused)]).toEqual([401, "INVALID_CREDENTIALS"]);
    expect(server.logs.some((l) => l.user_id === user.id && String(l.msg).includes("does not open"))).toBe(true);
  });

  it("turns off with a current code only; then sign-in needs none", async () => {
    const org = await newOrganisation(server);
    const user = await enrolled(org);
    nextStep();
    const wrong = await post(
      "/v1/sessions/current:disableTotp",
      { code: hotp(user.secret, totpStep(clock.now()) + 9) },
      user.cookie,
    );
    expect([wrong.status, fieldsOf(wrong)]).toEqual([400, ["code"]]);
    const disabled = await post("/v1/sessions/current:disableTotp", { code: codeNow(user.secret) }, user.cookie);
    expect(disabled.status).toBe(200);
    expect(disabled.body.session).toMatchObject({ user: { email: user.email } });
    expect((disabled.body.session as { totpEnabled?: boolean }).totpEnabled).toBeFalsy();
    await signIn(server, user.email, user.password);
    const stored = await scopeToOrganisation(server.admin.em.fork(), org).findOneOrFail(User, user.id);
    expect([stored.totpSecret, stored.totpEnableTime]).toEqual([null, null]);
  });
});

describe("confirming TOTP", () => {
  it("ends the user's other sessions; the caller's goes on", async () => {
    const org = await newOrganisation(server);
    const user = await newUser(server, org, "member");
    const other = await signIn(server, user.email, user.password);
    const caller = await signIn(server, user.email, user.password);
    const enrolment = await post("/v1/sessions/current:enrollTotp", { currentPassword: user.password }, caller.cookie);
    const secret = fromBase32(enrolment.body.secret as string);
    secrets.push(enrolment.body.secret as string);
    // Enrolment alone changes nothing: the other session still works.
    expect(await status("/v1/sessions/current", other.cookie)).toBe(200);
    const confirmed = await post("/v1/sessions/current:confirmTotp", { code: codeNow(secret) }, caller.cookie);
    expect(confirmed.status).toBe(200);
    expect(await status("/v1/sessions/current", other.cookie)).toBe(401);
    expect(await status("/v1/sessions/current", caller.cookie)).toBe(200);
    const em = scopeToOrganisation(server.admin.em.fork(), org);
    expect(await em.count(AuditEvent, { action: "user.totp_confirm", target: user.id })).toBe(1);
  });
});

describe("an organisation that requires TOTP of admins", () => {
  it("gives an admin without TOTP a session that can only enrol until confirmed; members are not held", async () => {
    const org = await newOrganisation(server);
    await withTenant(server.database.orm, org, (em) =>
      server.app.provisioning.requireAdminTotp(em, { organisationId: org, actor: "operator" }, true),
    );
    const admin = await newUser(server, org, "admin");
    const signedIn = await signInRaw(admin.email, admin.password);
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.session).toMatchObject({ totpEnrolmentRequired: true });
    const cookie = signedIn.setCookie!.split(";")[0]!;
    const refused = await fetch(`${server.baseUrl}/v1/apiKeys`, { headers: { cookie } });
    expect(refused.status).toBe(403);
    expect(JSON.stringify(await refused.json())).toContain("TOTP_ENROLMENT_REQUIRED");
    expect(await status("/v1/mandates/MD1", cookie)).toBe(403);
    const change = await post(
      "/v1/sessions/current:changePassword",
      { currentPassword: admin.password, newPassword: "a new password of length" },
      cookie,
    );
    expect([change.status, reasonOf(change)]).toEqual([403, "TOTP_ENROLMENT_REQUIRED"]);
    expect(await status("/v1/sessions/current", cookie)).toBe(200);

    const enrolment = await post("/v1/sessions/current:enrollTotp", { currentPassword: admin.password }, cookie);
    const secret = fromBase32(enrolment.body.secret as string);
    secrets.push(enrolment.body.secret as string);
    const confirmed = await post("/v1/sessions/current:confirmTotp", { code: codeNow(secret) }, cookie);
    expect(confirmed.body.session).toMatchObject({ totpEnabled: true });
    expect((confirmed.body.session as { totpEnrolmentRequired?: boolean }).totpEnrolmentRequired).toBeFalsy();
    expect(await status("/v1/apiKeys", cookie)).toBe(200);
    nextStep();
    const off = await post("/v1/sessions/current:disableTotp", { code: codeNow(secret) }, cookie);
    expect([off.status, reasonOf(off)]).toEqual([400, "TOTP_REQUIRED_BY_ORGANISATION"]);

    const member = await newUser(server, org, "member");
    const memberSession = await signIn(server, member.email, member.password);
    expect(await status("/v1/collections", memberSession.cookie)).toBe(200);
  });
});

describe("logs", () => {
  it("never hold a TOTP secret, a password or a session token", () => {
    expect(secrets.length).toBeGreaterThan(5);
    for (const secret of secrets)
      for (const line of server.rawLogs) expect(line.includes(secret), `log line holds a secret: ${line}`).toBe(false);
  });
});
