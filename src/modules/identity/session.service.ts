/**
 * session.service.ts signs staff in with email and password and checks session tokens. The token
 * lives in an HttpOnly cookie and is stored only as its SHA-256. A wrong email and a wrong password
 * get the same answer in about the same time; attempts are throttled per email and per client
 * address, counted before the password is checked. Wrong TOTP codes after a right password are
 * also counted per user, in a row, and lock the user's sign-in at a limit until an operator
 * unlocks it. A cookie-authenticated call from a browser must come from an allowed origin (CSRF).
 */
import { hash, randomBytes } from "node:crypto";
import { type EntityManager, LockMode, type MikroORM } from "@mikro-orm/postgresql";
import type { Clock } from "../../platform/clock.js";
import { acrossTenants, withTenant } from "../../platform/db/tenant-session.js";
import { newId } from "../../platform/ids.js";
import type { Logger } from "../../platform/observability/logger.js";
import type { WindowCounter } from "../../platform/redis/window-counter.js";
import type { SecretCipher } from "../../platform/secret-cipher.js";
import {
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  ResourceExhaustedError,
  UnauthenticatedError,
} from "../errors.js";
import type { Acting } from "./acting.js";
import { recordAudit, userActor } from "./audit-log.js";
import type { Caller } from "./caller.js";
import type { Organisation } from "./organisation.entity.js";
import { maxPasswordBytes, newPasswordProblem, type PasswordHasher, verifyPassword } from "./password.js";
import { isRoleName, type RoleName, roleScopes } from "./scopes.js";
import { Session } from "./session.entity.js";
import { matchTotp, totpCodePattern } from "./totp.js";
import { User } from "./user.entity.js";

export interface SessionManagerOptions {
  orm: MikroORM;
  clock: Clock;
  counter: WindowCounter;
  logger: Logger;
  /** Origins a cookie-authenticated browser call may come from (CORS_ORIGINS). */
  allowedOrigins: readonly string[];
  /** Seals TOTP secrets at rest (sign-in opens them to check codes). */
  totpCipher: SecretCipher;
  /** Hashes and checks passwords. */
  passwords: PasswordHasher;
  /** Absolute lifetime of a session, seconds. */
  ttlSeconds?: number;
  /** A session unused this long ends, seconds. */
  idleTimeoutSeconds?: number;
}

/**
 * Throttle limits: attempts per email and per client address, per window. Every attempt counts,
 * success included: the count is taken atomically before the password is checked, so parallel
 * attempts cannot all slip past one peeked count (a failure-only count needs a refund on success,
 * which the counter cannot do).
 */
const throttle = { windowSeconds: 15 * 60, attemptsPerEmail: 10, attemptsPerAddress: 100 };

/**
 * Wrong TOTP codes in a row, after a right password, that lock the user's sign-in until an operator
 * unlocks it (ddctl user unlock or reset-totp). The email's throttle alone would let someone who has
 * the password try about 960 codes a day, and a 6-digit code would fall within weeks.
 */
export const totpFailureLimit = 10;

/** Longest email accepted (RFC 5321's path limit). */
export const maxEmailLength = 254;

/** SignInClient is where a sign-in comes from: the address recorded, and the group throttled. */
export interface SignInClient {
  address: string;
  /** The address as per-address limits count it (IPv6 by /64). */
  group: string;
}

/** locked is the answer while a user's sign-in is locked; given only once the password was right. */
function locked(): UnauthenticatedError {
  return new UnauthenticatedError(
    "ACCOUNT_LOCKED",
    "too many wrong codes: sign-in is locked until an operator unlocks it",
  );
}

function throttled(resetSeconds: number): ResourceExhaustedError {
  return new ResourceExhaustedError(
    "SIGN_IN_THROTTLED",
    "too many sign-in attempts; try again later",
    resetSeconds * 1000,
  );
}

/** checkCurrentPasswordShape: current_password is given and within the bound scrypt is run over. */
function checkCurrentPasswordShape(password: string): void {
  if (password === "") throw InvalidArgumentError.field("current_password", "is required");
  if (Buffer.byteLength(password, "utf8") > maxPasswordBytes)
    throw InvalidArgumentError.field("current_password", `must be at most ${maxPasswordBytes} bytes`);
}

function totpRequired(): UnauthenticatedError {
  return new UnauthenticatedError("TOTP_REQUIRED", "this account needs the code from its authenticator app");
}

/** Session tokens are 32 random bytes in base64url (see signIn): anything else is not one of ours. */
const tokenShape = /^[A-Za-z0-9_-]{43}$/;
const lastSeenIntervalMs = 60_000;

/** SignedIn is a new session with its token, which goes into the cookie and nowhere else. */
export interface SignedIn {
  session: Session;
  user: User;
  organisation: Organisation;
  token: string;
}

/** normaliseEmail is how emails are stored and looked up. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

function tokenDigest(token: string): string {
  return hash("sha256", token, "hex");
}

/**
 * endSessionsOf ends every live session of a user at `now`, in the caller's transaction: what a
 * password change, a role change and a deactivation do, so no session outlives the change. Sessions
 * are looked up in the database on every call (no cache), so the next call of any of them fails.
 * `keep` spares one session: the caller's, when the change is theirs and proven (ConfirmTotp).
 */
export async function endSessionsOf(em: EntityManager, userId: string, now: Date, keep?: string): Promise<number> {
  const others = keep === undefined ? {} : { id: { $ne: keep } };
  return em.nativeUpdate(Session, { user: userId, revokeTime: null, ...others }, { revokeTime: now });
}

/** totpEnrolmentRequired: the organisation requires TOTP of admins and this admin has none confirmed. */
export function totpEnrolmentRequired(user: User, organisation: Organisation): boolean {
  return organisation.requireAdminTotp && user.role === "admin" && !user.totpEnableTime;
}

/**
 * useTotpStep records `step` as the user's last accepted TOTP step, only if it is later than the
 * last one: false when another request used this step (or a later one) first, so a code is
 * accepted once even when two requests carry it at the same moment.
 */
export async function useTotpStep(em: EntityManager, userId: string, step: number): Promise<boolean> {
  const updated = await em.nativeUpdate(
    User,
    { id: userId, $or: [{ totpLastStep: null }, { totpLastStep: { $lt: step } }] },
    { totpLastStep: step },
  );
  return updated === 1;
}

/** SessionManager signs in, verifies and signs out. */
export class SessionManager {
  readonly ttlSeconds: number;
  private readonly idleTimeoutSeconds: number;
  private readonly allowedOrigins: ReadonlySet<string>;

  constructor(private readonly options: SessionManagerOptions) {
    this.ttlSeconds = options.ttlSeconds ?? 12 * 3600;
    this.idleTimeoutSeconds = options.idleTimeoutSeconds ?? 30 * 60;
    this.allowedOrigins = new Set(options.allowedOrigins);
  }

  /**
   * signIn checks the password (and, for a user with TOTP on, the code) and opens a session. Any
   * failure is the same UNAUTHENTICATED, except after a correct password: without a code a user
   * needs it answers TOTP_REQUIRED, so the client can ask for one, and while wrong codes have locked
   * the user's sign-in (totpFailureLimit in a row) ACCOUNT_LOCKED, whatever the code.
   */
  async signIn(email: string, password: string, client: SignInClient, totpCode = ""): Promise<SignedIn> {
    // Bounds first, before anything is counted or hashed: a counter per 1 MiB email would let anyone
    // fill memory (or Redis) with keys, and scrypt over a huge password is CPU for the asking.
    if (email.length > maxEmailLength)
      throw InvalidArgumentError.field("email", `must be at most ${maxEmailLength} characters`);
    if (Buffer.byteLength(password, "utf8") > maxPasswordBytes)
      throw InvalidArgumentError.field("password", `must be at most ${maxPasswordBytes} bytes`);
    if (totpCode !== "" && !totpCodePattern.test(totpCode))
      throw InvalidArgumentError.field("totp_code", "must be the 6 digits the authenticator shows");
    const normalised = normaliseEmail(email);
    // Increment first, then compare what the increment returned: each attempt gets its own count.
    // The address is counted first and alone: an address over its throttle creates no per-email
    // count, so a refused script cannot mint one key per made-up email.
    await this.count(`signin:addr:${client.group}`, throttle.attemptsPerAddress);
    await this.count(`signin:email:${normalised}`, throttle.attemptsPerEmail);
    const clientAddress = client.address;
    // Sign-in names no organisation: this lookup is by a globally unique email, across tenants.
    const user = await acrossTenants(this.options.orm, "sign-in lookup", (em) =>
      em.findOne(User, { email: normalised }, { filters: false, populate: ["organisation"] }),
    );
    const { passwords } = this.options;
    const checked = await passwords.check(password, user?.passwordHash ?? (await passwords.decoyHash()));
    const ok = checked.matches;
    const now = this.options.clock.now();
    if (!user || !ok || !isRoleName(user.role) || user.deactivateTime) {
      // Written without waiting for it: the answer must take as long for a known email as for an
      // unknown one, or its timing tells an attacker which emails have accounts.
      if (user) this.recordFailedSignIn(user, ok ? "USER_DEACTIVATED" : "WRONG_PASSWORD", clientAddress, now);
      throw new UnauthenticatedError("INVALID_CREDENTIALS", "wrong email or password");
    }
    // The password was right: from here on, saying that a code is needed, or that sign-in is
    // locked, reveals nothing new, and nothing hides in timing any more (awaiting is fine).
    if (user.totpFailures >= totpFailureLimit) {
      this.recordFailedSignIn(user, "ACCOUNT_LOCKED", clientAddress, now);
      throw locked();
    }
    let totpStep: number | undefined;
    if (user.totpEnableTime && user.totpSecret) {
      // No code is a question, not a guess: it does not count towards the lock.
      if (totpCode === "") {
        this.recordFailedSignIn(user, "TOTP_REQUIRED", clientAddress, now);
        throw totpRequired();
      }
      totpStep = matchTotp(this.totpSecretOf(user), totpCode, now, user.totpLastStep ?? null);
      if (totpStep === undefined) {
        const failures = await this.countWrongTotpCode(user, clientAddress, now);
        if (failures >= totpFailureLimit) throw locked();
        throw new UnauthenticatedError("INVALID_CREDENTIALS", "wrong email, password or code");
      }
    }
    const organisation = user.organisation.getEntity();
    // A hash made at a lower cost than today's is replaced (PasswordHasher.check made the new one before the
    // transaction, so no connection waits on scrypt).
    const rehashed = checked.upgraded;
    return withTenant(this.options.orm, organisation.id, async (em) => {
      // The password was checked before this transaction (scrypt takes a second): it must still be
      // the password now. Locked, so a change or deactivation either happened before (refused here)
      // or waits for this session and then ends it with the others.
      const current = await em.findOne(
        User,
        { id: user.id },
        { lockMode: LockMode.PESSIMISTIC_WRITE, disableIdentityMap: true },
      );
      if (!current || current.passwordHash !== user.passwordHash || current.deactivateTime) {
        throw new UnauthenticatedError("INVALID_CREDENTIALS", "wrong email or password");
      }
      // Nor may the lock or the factor have come meanwhile: a wrong code that reached the limit
      // while this right one was checked, or TOTP confirmed after a sign-in that needed no code.
      if (current.totpFailures >= totpFailureLimit) throw locked();
      if (current.totpEnableTime && totpStep === undefined) throw totpRequired();
      if (rehashed !== undefined) {
        // Only over the hash just verified: a password changed meanwhile is not overwritten.
        await em.nativeUpdate(User, { id: user.id, passwordHash: user.passwordHash }, { passwordHash: rehashed });
      }
      if (totpStep !== undefined) {
        if (!(await useTotpStep(em, user.id, totpStep))) {
          throw new UnauthenticatedError("INVALID_CREDENTIALS", "wrong email, password or code");
        }
        // A right code ends the run of wrong ones.
        if (current.totpFailures > 0) await em.nativeUpdate(User, { id: user.id }, { totpFailures: 0 });
      }
      return this.openSession(em, user, organisation, clientAddress, now, "session.sign_in");
    });
  }

  /**
   * changePassword replaces the caller's password after checking the current one (counted against
   * the sign-in throttle of their email, like a sign-in), ends every session of the user, this one
   * included, and opens a fresh one for the caller: a stolen copy of the old cookie dies too.
   */
  async changePassword(
    em: EntityManager,
    acting: Acting,
    sessionId: string,
    passwords: { current: string; next: string },
  ): Promise<SignedIn> {
    checkCurrentPasswordShape(passwords.current);
    const problem = newPasswordProblem(passwords.next);
    if (problem) throw InvalidArgumentError.field("new_password", problem);
    const { user, organisation } = await this.current(em, sessionId);
    const now = this.options.clock.now();
    await this.requirePassword(user, passwords.current, acting, now, "user.change_password");
    user.passwordHash = await this.options.passwords.hash(passwords.next);
    user.updateTime = now;
    // Written now, before the sessions end: the row lock waits for a sign-in that checked the old
    // password and is opening its session, so that session is ended below with the others; a
    // sign-in after this waits for the commit and finds the password changed (signIn).
    await em.flush();
    await endSessionsOf(em, user.id, now);
    recordAudit(em, {
      organisationId: acting.organisationId,
      actor: acting.actor,
      action: "user.change_password",
      target: user.id,
      outcome: "success",
      clientAddress: acting.clientAddress,
      time: now,
    });
    return this.openSession(em, user, organisation, acting.clientAddress ?? null, now, "session.reissue");
  }

  /**
   * reauthenticate checks the caller's current password before a change a stolen cookie must not be
   * able to make on its own (turning TOTP on would shut the real user out). Counted against the
   * sign-in throttle of the user's email, like a sign-in.
   */
  async reauthenticate(em: EntityManager, acting: Acting, sessionId: string, password: string, action: string) {
    checkCurrentPasswordShape(password);
    const { user } = await this.current(em, sessionId);
    await this.requirePassword(user, password, acting, this.options.clock.now(), action);
  }

  /** requirePassword throws UNAUTHENTICATED (audited as `action`) unless `password` is the user's. */
  private async requirePassword(user: User, password: string, acting: Acting, now: Date, action: string) {
    await this.count(`signin:email:${user.email}`, throttle.attemptsPerEmail);
    if (!(await verifyPassword(password, user.passwordHash))) {
      this.recordFailedSignIn(user, "WRONG_PASSWORD", acting.clientAddress, now, action);
      throw new UnauthenticatedError("INVALID_CREDENTIALS", "the current password is wrong");
    }
  }

  /** count takes one attempt of a throttle key; RESOURCE_EXHAUSTED when it is over `limit`. */
  private async count(key: string, limit: number): Promise<void> {
    const counted = await this.options.counter.increment(key, throttle.windowSeconds);
    if (counted.count > limit) throw throttled(counted.resetSeconds);
  }

  /**
   * countWrongTotpCode adds one to the user's run of wrong codes, atomically (parallel guesses each
   * count), audits the attempt and, at the limit, the lock; returns the run's length. Awaited: the
   * password was right, so there is no timing left to hide.
   */
  private async countWrongTotpCode(user: User, clientAddress: string, now: Date): Promise<number> {
    const organisationId = user.organisation.id;
    return withTenant(this.options.orm, organisationId, async (em) => {
      const [row] = await em.execute<{ totp_failures: number }[]>(
        `update "app_user" set "totp_failures" = "totp_failures" + 1 where "id" = ? returning "totp_failures"`,
        [user.id],
      );
      // No row: the user went meanwhile. Failing closed, as a count that said 0 would not.
      if (!row) throw new UnauthenticatedError("INVALID_CREDENTIALS", "wrong email, password or code");
      const failures = row.totp_failures;
      const entry = { organisationId, actor: userActor(user.id), clientAddress, time: now };
      recordAudit(em, { ...entry, action: "session.sign_in", outcome: "WRONG_TOTP_CODE" });
      // Exactly at the limit: one lock event, however many guesses arrive after it.
      if (failures === totpFailureLimit) {
        recordAudit(em, { ...entry, action: "user.sign_in_locked", target: user.id, outcome: "TOTP_FAILURE_LIMIT" });
      }
      await em.flush();
      return failures;
    });
  }

  /**
   * totpSecretOf opens the user's sealed TOTP secret. One that does not open (ACCOUNT_NUMBER_KEY
   * changed, or the row was tampered with) signs nobody in: the operator hears why and how to
   * recover, the caller gets a wrong code's answer rather than an internal error.
   */
  private totpSecretOf(user: User): Buffer {
    try {
      return this.options.totpCipher.open(user.totpSecret ?? "", user.id);
    } catch {
      this.options.logger.error(
        { user_id: user.id },
        "a TOTP secret does not open (was ACCOUNT_NUMBER_KEY changed?): ddctl user reset-totp lets the user enrol again",
      );
      throw new UnauthenticatedError("INVALID_CREDENTIALS", "wrong email, password or code");
    }
  }

  /** recordFailedSignIn writes the audit row of a refused attempt beside the answer, not before it. */
  private recordFailedSignIn(
    user: User,
    outcome: string,
    clientAddress: string | null | undefined,
    time: Date,
    action = "session.sign_in",
  ): void {
    withTenant(this.options.orm, user.organisation.id, async (audit) =>
      recordAudit(audit, {
        organisationId: user.organisation.id,
        actor: userActor(user.id),
        action,
        outcome,
        clientAddress: clientAddress ?? undefined,
        time,
      }),
    ).catch((error: unknown) => this.options.logger.warn({ err: error }, "could not record a failed sign-in"));
  }

  /** openSession creates a session for the user, with its audit event, and returns its token. */
  private async openSession(
    em: EntityManager,
    user: User,
    organisation: Organisation,
    clientAddress: string | null,
    now: Date,
    action: string,
  ): Promise<SignedIn> {
    const token = randomBytes(32).toString("base64url");
    const session = em.create(Session, {
      id: newId("SE", now.getTime()),
      organisation,
      user,
      tokenDigest: tokenDigest(token),
      createTime: now,
      expireTime: new Date(now.getTime() + this.ttlSeconds * 1000),
      idleTimeoutSeconds: this.idleTimeoutSeconds,
      lastSeenTime: now,
      revokeTime: null,
      clientAddress,
    });
    recordAudit(em, {
      organisationId: organisation.id,
      actor: userActor(user.id),
      action,
      target: session.id,
      outcome: "success",
      clientAddress: clientAddress ?? undefined,
      time: now,
    });
    await em.flush();
    return { session, user, organisation, token };
  }

  /**
   * verify returns the caller of a live session, or undefined. A foreign Origin is refused. With
   * mayLookUp false (the client's address has spent its failures) it answers undefined without a query.
   */
  async verify(token: string, origin: string | null, mayLookUp = true): Promise<Caller | undefined> {
    if (origin !== null && !this.allowedOrigins.has(origin)) {
      throw new PermissionDeniedError("ORIGIN_NOT_ALLOWED", "session cookies are accepted only from allowed origins");
    }
    // Malformed cookies (floods, leftovers) are refused without a database query.
    if (!tokenShape.test(token) || !mayLookUp) return undefined;
    // The organisation is what the token tells us, so this lookup is across tenants, by unique digest.
    const session = await acrossTenants(this.options.orm, "session lookup", (em) =>
      em.findOne(Session, { tokenDigest: tokenDigest(token) }, { filters: false, populate: ["user", "organisation"] }),
    );
    const now = this.options.clock.now();
    if (!session || session.revokeTime || session.expireTime <= now) return undefined;
    const idleEnd = session.lastSeenTime.getTime() + session.idleTimeoutSeconds * 1000;
    if (idleEnd <= now.getTime()) return undefined;
    const user = session.user.getEntity();
    if (!isRoleName(user.role) || user.deactivateTime) return undefined;
    if (now.getTime() - session.lastSeenTime.getTime() >= lastSeenIntervalMs) {
      withTenant(this.options.orm, session.organisation.id, (em) =>
        em.nativeUpdate(Session, { id: session.id }, { lastSeenTime: now }),
      ).catch((error: unknown) =>
        this.options.logger.warn({ err: error, session_id: session.id }, "could not record session use"),
      );
    }
    const role: RoleName = user.role;
    const organisation = session.organisation.getEntity();
    return {
      organisationId: organisation.id,
      sandbox: organisation.sandbox,
      principal: {
        kind: "user",
        userId: user.id,
        role,
        sessionId: session.id,
        totpEnrolmentRequired: totpEnrolmentRequired(user, organisation),
      },
      scopes: roleScopes[role],
    };
  }

  /** current loads the caller's session with its user and organisation. */
  async current(
    em: EntityManager,
    sessionId: string,
  ): Promise<{ session: Session; user: User; organisation: Organisation }> {
    const session = await em.findOne(Session, { id: sessionId }, { populate: ["user", "organisation"] });
    if (!session) throw new NotFoundError("session", sessionId);
    return { session, user: session.user.getEntity(), organisation: session.organisation.getEntity() };
  }

  /** signOut ends the caller's session at once. */
  async signOut(em: EntityManager, acting: Acting, sessionId: string): Promise<void> {
    const { session } = await this.current(em, sessionId);
    const now = this.options.clock.now();
    session.revokeTime ??= now;
    recordAudit(em, {
      organisationId: acting.organisationId,
      actor: acting.actor,
      action: "session.sign_out",
      target: session.id,
      outcome: "success",
      clientAddress: acting.clientAddress,
      time: now,
    });
    await em.flush();
  }
}
