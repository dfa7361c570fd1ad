/**
 * session.service.ts signs staff in with email and password and checks session tokens. The token
 * lives in an HttpOnly cookie and is stored only as its SHA-256. A wrong email and a wrong password
 * get the same answer in about the same time; attempts are throttled per email and per client
 * address, counted before the password is checked. A cookie-authenticated call from a browser must
 * come from an allowed origin (CSRF).
 */
import { hash, randomBytes } from "node:crypto";
import type { EntityManager, MikroORM } from "@mikro-orm/postgresql";
import type { Clock } from "../../platform/clock.js";
import { acrossTenants, withTenant } from "../../platform/db/tenant-session.js";
import { newId } from "../../platform/ids.js";
import type { Logger } from "../../platform/observability/logger.js";
import type { WindowCounter } from "../../platform/redis/window-counter.js";
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
import { decoyPasswordHash, hashPassword, needsRehash, verifyPassword } from "./password.js";
import { isRoleName, type RoleName, roleScopes } from "./scopes.js";
import { Session } from "./session.entity.js";
import { User } from "./user.entity.js";

export interface SessionManagerOptions {
  orm: MikroORM;
  clock: Clock;
  counter: WindowCounter;
  logger: Logger;
  /** Origins a cookie-authenticated browser call may come from (CORS_ORIGINS). */
  allowedOrigins: readonly string[];
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

/** Longest email accepted (RFC 5321's path limit), and longest password, in UTF-8 bytes. */
export const maxEmailLength = 254;
export const maxPasswordBytes = 1024;

/** SignInClient is where a sign-in comes from: the address recorded, and the group throttled. */
export interface SignInClient {
  address: string;
  /** The address as per-address limits count it (IPv6 by /64). */
  group: string;
}

function throttled(resetSeconds: number): ResourceExhaustedError {
  return new ResourceExhaustedError(
    "SIGN_IN_THROTTLED",
    "too many sign-in attempts; try again later",
    resetSeconds * 1000,
  );
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

  /** signIn checks the password and opens a session; any failure is the same UNAUTHENTICATED. */
  async signIn(email: string, password: string, client: SignInClient): Promise<SignedIn> {
    // Bounds first, before anything is counted or hashed: a counter per 1 MiB email would let anyone
    // fill memory (or Redis) with keys, and scrypt over a huge password is CPU for the asking.
    if (email.length > maxEmailLength)
      throw InvalidArgumentError.field("email", `must be at most ${maxEmailLength} characters`);
    if (Buffer.byteLength(password, "utf8") > maxPasswordBytes)
      throw InvalidArgumentError.field("password", `must be at most ${maxPasswordBytes} bytes`);
    const normalised = normaliseEmail(email);
    const { counter } = this.options;
    // Increment first, then compare what the increment returned: each attempt gets its own count.
    // The address is counted first and alone: an address over its throttle creates no per-email
    // count, so a refused script cannot mint one key per made-up email.
    const byAddress = await counter.increment(`signin:addr:${client.group}`, throttle.windowSeconds);
    if (byAddress.count > throttle.attemptsPerAddress) throw throttled(byAddress.resetSeconds);
    const byEmail = await counter.increment(`signin:email:${normalised}`, throttle.windowSeconds);
    if (byEmail.count > throttle.attemptsPerEmail) throw throttled(byEmail.resetSeconds);
    const clientAddress = client.address;
    // Sign-in names no organisation: this lookup is by a globally unique email, across tenants.
    const user = await acrossTenants(this.options.orm, "sign-in lookup", (em) =>
      em.findOne(User, { email: normalised }, { filters: false, populate: ["organisation"] }),
    );
    const ok = await verifyPassword(password, user?.passwordHash ?? (await decoyPasswordHash));
    const now = this.options.clock.now();
    if (!user || !ok || !isRoleName(user.role)) {
      if (user) {
        // Written without waiting for it: the answer must take as long for a known email as for an
        // unknown one, or its timing tells an attacker which emails have accounts.
        withTenant(this.options.orm, user.organisation.id, async (audit) =>
          recordAudit(audit, {
            organisationId: user.organisation.id,
            actor: userActor(user.id),
            action: "session.sign_in",
            outcome: "WRONG_PASSWORD",
            clientAddress,
            time: now,
          }),
        ).catch((error: unknown) => this.options.logger.warn({ err: error }, "could not record a failed sign-in"));
      }
      throw new UnauthenticatedError("INVALID_CREDENTIALS", "wrong email or password");
    }
    const token = randomBytes(32).toString("base64url");
    const organisation = user.organisation.getEntity();
    // A hash made at a lower cost than today's is replaced while the password is at hand: the only
    // moment it is. Hashed before the transaction, so no connection waits on scrypt.
    const rehashed = needsRehash(user.passwordHash) ? await hashPassword(password) : undefined;
    return withTenant(this.options.orm, organisation.id, async (em) => {
      if (rehashed !== undefined) {
        // Only over the hash just verified: a password changed meanwhile is not overwritten.
        await em.nativeUpdate(User, { id: user.id, passwordHash: user.passwordHash }, { passwordHash: rehashed });
      }
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
        action: "session.sign_in",
        target: session.id,
        outcome: "success",
        clientAddress,
        time: now,
      });
      return { session, user, organisation, token };
    });
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
    if (!isRoleName(user.role)) return undefined;
    if (now.getTime() - session.lastSeenTime.getTime() >= lastSeenIntervalMs) {
      withTenant(this.options.orm, session.organisation.id, (em) =>
        em.nativeUpdate(Session, { id: session.id }, { lastSeenTime: now }),
      ).catch((error: unknown) =>
        this.options.logger.warn({ err: error, session_id: session.id }, "could not record session use"),
      );
    }
    const role: RoleName = user.role;
    return {
      organisationId: session.organisation.id,
      sandbox: session.organisation.getEntity().sandbox,
      principal: { kind: "user", userId: user.id, role, sessionId: session.id },
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
