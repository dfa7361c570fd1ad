/**
 * The TOTP lock on a real server: 10 wrong codes in a row after a right password lock the user's
 * sign-in (ACCOUNT_LOCKED, even for the right code) until an operator unlocks it or resets the
 * factor; a right code starts the count again, a sign-in without a code does not count, and parallel
 * wrong codes each count.
 *
 * The lock takes more attempts than sign-in's throttles allow in 15 minutes (10 per email, 100 per
 * address, every attempt counted), and those throttles stay as they are. The lock counts per user,
 * the throttles per email and address: each user signs in from an address of their own (through a
 * trusted proxy's X-Forwarded-For) and is given a fresh email between batches, so the throttles start
 * over, as they would after their window, while the user's run of wrong codes goes on.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditEvent } from "../src/modules/identity/audit-event.entity.js";
import { userActor } from "../src/modules/identity/audit-log.js";
import { hotp, totpStep } from "../src/modules/identity/totp.js";
import { User } from "../src/modules/identity/user.entity.js";
import { scopeToOrganisation } from "../src/platform/db/tenant-filter.js";
import { withTenant } from "../src/platform/db/tenant-session.js";
import { newId } from "../src/platform/ids.js";
import { currentCode, fromBase32 } from "./support/authenticator.js";
import { newOrganisation, newUser } from "./support/fixtures.js";
import { TestClock } from "./support/test-clock.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

let server: TestServer;
const clock = new TestClock();

beforeAll(async () => {
  server = await startTestServer({ clock, withoutRedis: true, trustedProxies: ["127.0.0.1"] });
});
afterAll(async () => server?.close());

interface Answer {
  status: number;
  reason: string | undefined;
}

interface Enrolled {
  id: string;
  organisationId: string;
  email: string;
  password: string;
  secret: Buffer;
  /** The address this user's sign-ins come from. */
  address: string;
}

let addresses = 0;

/**
 * enrolled makes a user with TOTP on, through the service and without a sign-in: the fixture's cheap
 * password hash stays (a sign-in would replace it with one that costs a second a try), and no
 * attempt is spent. There is no session of theirs to keep, so the confirmation is given a made-up one.
 */
async function enrolled(): Promise<Enrolled> {
  const organisationId = await newOrganisation(server);
  const user = await newUser(server, organisationId, "member");
  const acting = { organisationId, actor: userActor(user.id) };
  const secret = await withTenant(server.database.orm, organisationId, async (em) => {
    const enrolment = await server.app.secondFactor.enroll(em, acting, user.id);
    const secret = fromBase32(enrolment.secret);
    const noSession = newId("SE", clock.now().getTime());
    await server.app.secondFactor.confirm(em, acting, user.id, noSession, currentCode(secret, clock));
    return secret;
  });
  addresses++;
  return { ...user, organisationId, secret, address: `198.51.100.${addresses}` };
}

async function signIn(user: Enrolled, totpCode?: string, password = user.password): Promise<Answer> {
  const res = await fetch(`${server.baseUrl}/v1/sessions:signIn`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": user.address },
    body: JSON.stringify({ email: user.email, password, ...(totpCode === undefined ? {} : { totpCode }) }),
  });
  const body = (await res.json()) as { details?: { reason?: string }[] };
  return { status: res.status, reason: body.details?.find((d) => d.reason !== undefined)?.reason };
}

/** freshEmail gives the user a new email: the email's sign-in throttle starts over, the user's lock count does not. */
async function freshEmail(user: Enrolled): Promise<void> {
  user.email = `user-${randomBytes(6).toString("hex")}@example.com`;
  await server.admin.em
    .fork()
    .getConnection()
    .execute("update app_user set email = ? where id = ?", [user.email, user.id]);
}

/** rightCode moves to the next 30-second step (each code is accepted once) and gives its code. */
function rightCode(user: Enrolled): string {
  clock.advance(30_000);
  return currentCode(user.secret, clock);
}

/** wrongCode is well-formed, but seven steps from now: never accepted. */
const wrongCode = (user: Enrolled) => hotp(user.secret, totpStep(clock.now()) + 7);

async function wrongCodes(user: Enrolled, count: number): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let i = 0; i < count; i++) answers.push(await signIn(user, wrongCode(user)));
  return answers;
}

async function failuresOf(user: Enrolled): Promise<number> {
  return (await scopeToOrganisation(server.admin.em.fork(), user.organisationId).findOneOrFail(User, user.id))
    .totpFailures;
}

function audited(user: Enrolled, where: { action: string; outcome?: string }): Promise<number> {
  return scopeToOrganisation(server.admin.em.fork(), user.organisationId).count(AuditEvent, where);
}

/** lockOut gives 10 wrong codes in a row: the limit. */
async function lockOut(user: Enrolled): Promise<Answer[]> {
  const answers = await wrongCodes(user, 9);
  await freshEmail(user);
  answers.push(...(await wrongCodes(user, 1)));
  return answers;
}

const invalid: Answer = { status: 401, reason: "INVALID_CREDENTIALS" };
const locked: Answer = { status: 401, reason: "ACCOUNT_LOCKED" };

/**
 * Every attempt with the right password costs a scrypt at full cost (a second on a loaded 2-core
 * machine: a right password on the fixture's cheap hash is rehashed before the code is checked), and
 * each test makes about a dozen.
 */
describe("the TOTP lock", { timeout: 120_000 }, () => {
  it("locks sign-in after 10 wrong codes in a row: even the right code is refused, ACCOUNT_LOCKED; audited once", async () => {
    const user = await enrolled();
    expect(await lockOut(user)).toEqual([...Array(9).fill(invalid), locked]);
    expect(await signIn(user, rightCode(user))).toEqual(locked);
    expect(await signIn(user)).toEqual(locked);
    // Only a right password hears of the lock.
    expect(await signIn(user, rightCode(user), "not the password")).toEqual(invalid);
    expect(await failuresOf(user)).toBe(10);
    expect(await audited(user, { action: "user.sign_in_locked" })).toBe(1);
    expect(await audited(user, { action: "session.sign_in", outcome: "WRONG_TOTP_CODE" })).toBe(10);
    expect(await audited(user, { action: "session.sign_in", outcome: "ACCOUNT_LOCKED" })).toBe(2);
  });

  it("is lifted by the operator's unlock, TOTP staying on", async () => {
    const user = await enrolled();
    await lockOut(user);
    const unlocked = await withTenant(server.database.orm, user.organisationId, (em) =>
      server.app.userAccounts.unlock(em, { organisationId: user.organisationId, actor: "operator" }, user.id),
    );
    expect(unlocked.wasLocked).toBe(true);
    expect(await failuresOf(user)).toBe(0);
    expect(await signIn(user)).toEqual({ status: 401, reason: "TOTP_REQUIRED" });
    expect((await signIn(user, rightCode(user))).status).toBe(200);
    expect(await audited(user, { action: "user.sign_in_unlock", outcome: "success" })).toBe(1);
  });

  it("is lifted by reset-totp: the factor is off, the password alone signs in", async () => {
    const user = await enrolled();
    await lockOut(user);
    await withTenant(server.database.orm, user.organisationId, (em) =>
      server.app.userAccounts.resetTotp(em, { organisationId: user.organisationId, actor: "operator" }, user.id),
    );
    expect(await failuresOf(user)).toBe(0);
    expect((await signIn(user)).status).toBe(200);
  });

  it("counts wrong codes in a row only: a right code starts again, and asking without a code is no guess", async () => {
    const user = await enrolled();
    expect(await wrongCodes(user, 9)).toEqual(Array(9).fill(invalid));
    await freshEmail(user);
    expect(await signIn(user)).toEqual({ status: 401, reason: "TOTP_REQUIRED" });
    expect(await failuresOf(user)).toBe(9);
    expect((await signIn(user, rightCode(user))).status).toBe(200);
    expect(await failuresOf(user)).toBe(0);
    // The 10th wrong code of the user's life is the first of a new run: no lock.
    expect(await signIn(user, wrongCode(user))).toEqual(invalid);
    expect(await failuresOf(user)).toBe(1);
  });

  it("counts parallel wrong codes each: 10 at once lock the user, with one lock event", async () => {
    const user = await enrolled();
    const code = wrongCode(user);
    const answers = await Promise.all(Array.from({ length: 10 }, () => signIn(user, code)));
    expect(answers.filter((a) => a.reason === "ACCOUNT_LOCKED")).toHaveLength(1);
    expect(answers.filter((a) => a.reason === "INVALID_CREDENTIALS")).toHaveLength(9);
    expect(await failuresOf(user)).toBe(10);
    await freshEmail(user);
    expect(await signIn(user, rightCode(user))).toEqual(locked);
    expect(await audited(user, { action: "user.sign_in_locked" })).toBe(1);
  });
});
