/**
 * user-directory.ts is how an organisation's admins manage its staff (UserService): list and read
 * users, add one (no password yet; a single-use welcome link by email, where they choose it), change
 * a role or display name, deactivate. Role changes and deactivation go through UserAccounts, which
 * ends the user's sessions in the same transaction, as it does for ddctl. The organisation's last
 * active admin can be neither demoted nor deactivated: nobody would be left to manage keys and users.
 * Every change is audited with the acting admin, in the change's own flush.
 */
import { UniqueConstraintViolationException } from "@mikro-orm/core";
import { type EntityManager, LockMode } from "@mikro-orm/postgresql";
import type { Clock } from "../../platform/clock.js";
import { findPage, type IdCursor, type KeysetPage, type PageRequest } from "../../platform/db/keyset-page.js";
import { acrossTenants, withTenant } from "../../platform/db/tenant-session.js";
import { newId } from "../../platform/ids.js";
import { linkTokenDigest, looksLikeLinkToken, newLinkToken } from "../../platform/link-token.js";
import type { Mailer } from "../../platform/mail/mailer.js";
import {
  AlreadyExistsError,
  FailedPreconditionError,
  type FieldViolation,
  InvalidArgumentError,
  NotFoundError,
} from "../errors.js";
import { resolveUpdateMask } from "../update-mask.js";
import type { Acting } from "./acting.js";
import { recordAudit, userActor } from "./audit-log.js";
import { Organisation } from "./organisation.entity.js";
import { newPasswordProblem, noPassword, type PasswordHasher } from "./password.js";
import { isEmailAddress } from "./provisioning.js";
import { isRoleName, type RoleName } from "./scopes.js";
import { normaliseEmail } from "./session.service.js";
import { User } from "./user.entity.js";
import type { UserAccounts } from "./user-accounts.js";
import { welcomeEmail } from "./welcome-email.js";

/** welcomeLifetimeMs is how long a welcome link works: 7 days. */
export const welcomeLifetimeMs = 7 * 24 * 3600 * 1000;

const maxDisplayNameLength = 200;

/**
 * displayNameProblem checks a display name: at most 200 characters and no control characters. The
 * name goes into the welcome email, so a line break would let an admin write the email's text.
 */
function displayNameProblem(name: string): string | undefined {
  if (name.length > maxDisplayNameLength) return `must be at most ${maxDisplayNameLength} characters`;
  if (/\p{Cc}/u.test(name)) return "must not contain control characters (line breaks, tabs)";
  return undefined;
}

/** NewUserInput is a CreateUser request in plain values. */
export interface NewUserInput {
  email: string;
  displayName: string;
  /** admin | member | viewer; anything else names user.role. */
  role: string;
}

/** UserUpdate is an UpdateUser request in plain values; `mask` is its update_mask's paths, if any. */
export interface UserUpdate {
  id: string;
  displayName: string;
  /** admin | member | viewer, or "" when the request does not set one. */
  role: string;
  mask: readonly string[] | undefined;
}

/** WelcomedUser is what CompleteWelcome shows the new user. */
export interface WelcomedUser {
  user: User;
  organisationName: string;
}

/** UserDirectoryOptions are the dependencies of UserDirectory. */
export interface UserDirectoryOptions {
  clock: Clock;
  accounts: UserAccounts;
  mailer: Mailer;
  /** Base of welcome links, without a trailing slash. */
  publicBaseUrl: string;
  /** Hashes the password a welcomed user chooses. */
  passwords: PasswordHasher;
}

const updatablePaths = ["role", "display_name"] as const;
type UpdatablePath = (typeof updatablePaths)[number];

/** UserDirectory runs UserService on a tenant-scoped EntityManager (CompleteWelcome: the public one). */
export class UserDirectory {
  constructor(private readonly options: UserDirectoryOptions) {}

  /** list returns one page of the organisation's users, newest first; deactivated ones only when asked. */
  list(em: EntityManager, page: PageRequest<IdCursor>, showDeactivated: boolean): Promise<KeysetPage<User, IdCursor>> {
    return findPage(em, User, showDeactivated ? {} : { deactivateTime: null }, { orderBy: ["id"], ...page });
  }

  async get(em: EntityManager, id: string): Promise<User> {
    if (id === "") throw InvalidArgumentError.field("user_id", "is required");
    const user = await em.findOne(User, { id });
    if (!user) throw new NotFoundError("user", id);
    return user;
  }

  /**
   * create adds a user with no password and emails them a welcome link. The email is sent after the
   * flush and inside the call's transaction, as mandate invites are: if it cannot be handed over, the
   * user is not created and the admin sees an error, rather than a user who was never told.
   *
   * An email that has an account answers ALREADY_EXISTS (EMAIL_TAKEN), whether the account is in this
   * organisation or another, with the same message and never naming the other organisation. That
   * tells an admin that the address has an account somewhere; no answer can hide it, because emails
   * are unique across organisations (sign-in names none) and the user cannot be created either way.
   * Pretending success instead would leave the admin waiting for a person who can never join, and a
   * silently different answer (a user that is not there) would leak the same fact one call later.
   * The caller is a signed-in admin, rate limited per user, not the public: it is the least bad answer.
   */
  async create(em: EntityManager, acting: Acting, input: NewUserInput): Promise<User> {
    const email = normaliseEmail(input.email);
    const displayName = input.displayName.trim();
    const violations: FieldViolation[] = [];
    if (email === "") violations.push({ field: "user.email", description: "is required" });
    else if (!isEmailAddress(email)) violations.push({ field: "user.email", description: "is not an email address" });
    if (!isRoleName(input.role))
      violations.push({ field: "user.role", description: "must be ROLE_ADMIN, ROLE_MEMBER or ROLE_VIEWER" });
    const nameProblem = displayNameProblem(displayName);
    if (nameProblem) violations.push({ field: "user.display_name", description: nameProblem });
    if (violations.length > 0) throw new InvalidArgumentError(violations);

    const organisation = await em.findOneOrFail(Organisation, acting.organisationId);
    const now = this.options.clock.now();
    const { token, digest } = newLinkToken();
    const user = em.create(User, {
      id: newId("US", now.getTime()),
      organisation,
      email,
      displayName,
      passwordHash: noPassword,
      role: input.role as RoleName,
      createTime: now,
      updateTime: now,
      welcomeTokenDigest: digest,
      welcomeExpireTime: new Date(now.getTime() + welcomeLifetimeMs),
    });
    recordAudit(em, { ...acting, action: "user.create", target: user.id, outcome: `success:${user.role}`, time: now });
    try {
      await em.flush();
    } catch (error) {
      // Only the database sees the other organisations' emails: row-level security hides their users.
      if (error instanceof UniqueConstraintViolationException) {
        throw new AlreadyExistsError("EMAIL_TAKEN", "a user with this email already exists");
      }
      throw error;
    }
    await this.sendWelcome(user, organisation.name, token);
    return user;
  }

  /**
   * resendWelcome gives an invited user (no password yet) a new welcome link and emails it; the
   * previous link stops working, as its digest is replaced. Sent inside the transaction, as create's.
   */
  async resendWelcome(em: EntityManager, acting: Acting, id: string): Promise<User> {
    if (id === "") throw InvalidArgumentError.field("user_id", "is required");
    const user = await this.lockedUser(em, id);
    if (user.deactivateTime) throw new FailedPreconditionError("USER_DEACTIVATED", `user ${id} is deactivated`);
    if (user.passwordHash !== noPassword)
      throw new FailedPreconditionError("USER_ACTIVE", `user ${id} has set a password: they sign in, or reset it`);
    const organisation = await em.findOneOrFail(Organisation, acting.organisationId);
    const now = this.options.clock.now();
    const { token, digest } = newLinkToken();
    user.welcomeTokenDigest = digest;
    user.welcomeExpireTime = new Date(now.getTime() + welcomeLifetimeMs);
    user.updateTime = now;
    recordAudit(em, { ...acting, action: "user.resend_welcome", target: user.id, outcome: "success", time: now });
    await em.flush();
    await this.sendWelcome(user, organisation.name, token);
    return user;
  }

  private sendWelcome(user: User, organisationName: string, token: string): Promise<void> {
    return this.options.mailer.send(
      welcomeEmail({
        publicBaseUrl: this.options.publicBaseUrl,
        token,
        email: user.email,
        displayName: user.displayName,
        organisationName,
        role: user.role,
        expireTime: user.welcomeExpireTime!,
      }),
    );
  }

  /**
   * update changes the paths of the mask: display_name here, role through UserAccounts (which ends
   * the user's sessions; a role set to what it is already changes nothing and ends nothing).
   */
  async update(em: EntityManager, acting: Acting, input: UserUpdate): Promise<User> {
    if (input.id === "") throw InvalidArgumentError.field("user.id", "is required");
    const violations: FieldViolation[] = [];
    const paths = resolveUpdateMask<UpdatablePath>(
      input.mask,
      updatablePaths,
      (path) => (path === "role" ? input.role !== "" : input.displayName !== ""),
      violations,
    );
    const displayName = input.displayName.trim();
    if (paths.has("role") && !isRoleName(input.role))
      violations.push({ field: "user.role", description: "must be ROLE_ADMIN, ROLE_MEMBER or ROLE_VIEWER" });
    const nameProblem = paths.has("display_name") ? displayNameProblem(displayName) : undefined;
    if (nameProblem) violations.push({ field: "user.display_name", description: nameProblem });
    if (violations.length > 0) throw new InvalidArgumentError(violations);
    if (paths.size === 0) throw InvalidArgumentError.field("update_mask", "names no field to update");

    // The admins are locked before the user (refuseLastAdmin), never after: two admins demoting each
    // other lock in one order and take turns instead of deadlocking.
    const current = await this.user(em, input.id);
    const roleChanges = paths.has("role") && current.role !== input.role;
    if (roleChanges && current.role === "admin" && !current.deactivateTime)
      await this.refuseLastAdmin(em, current, "demoted");
    let user = await this.lockedUser(em, input.id);
    const now = this.options.clock.now();
    if (paths.has("display_name") && user.displayName !== displayName) {
      user.displayName = displayName;
      user.updateTime = now;
      recordAudit(em, { ...acting, action: "user.set_display_name", target: user.id, outcome: "success", time: now });
      await em.flush();
    }
    if (roleChanges) user = (await this.options.accounts.setRole(em, acting, user.id, input.role)).user;
    return user;
  }

  /** deactivate ends the user's sessions and sign-in for good (UserAccounts); never the last admin. */
  async deactivate(em: EntityManager, acting: Acting, id: string): Promise<User> {
    if (id === "") throw InvalidArgumentError.field("user_id", "is required");
    const current = await this.user(em, id);
    if (current.role === "admin" && !current.deactivateTime) await this.refuseLastAdmin(em, current, "deactivated");
    return (await this.options.accounts.deactivate(em, acting, id)).user;
  }

  /**
   * completeWelcome sets the first password of the user whose welcome token this is and uses the
   * token up. Used, expired, unknown, or a deactivated user's: one NOT_FOUND. The token holds 256
   * random bits and is found by its digest, so answering an unknown one fast teaches nothing; the
   * password is hashed only for a token that exists, so nobody can make this public RPC spend a
   * scrypt second (and 128 MiB) per request with made-up tokens.
   * `em` is the public request's EntityManager: there is no caller, and the token names no
   * organisation; everything after the lookup runs scoped to the user's own.
   */
  async completeWelcome(
    em: EntityManager,
    token: string,
    password: string,
    clientAddress?: string,
  ): Promise<WelcomedUser> {
    const violations: FieldViolation[] = [];
    if (token === "") violations.push({ field: "welcome_token", description: "is required" });
    const problem = newPasswordProblem(password);
    if (problem) violations.push({ field: "password", description: problem });
    if (violations.length > 0) throw new InvalidArgumentError(violations);
    const gone = () => new NotFoundError("welcome", "(token)");
    if (!looksLikeLinkToken(token)) throw gone();

    const digest = linkTokenDigest(token);
    // The one lookup across organisations, on purpose (as for mandate invites): the token is the new
    // user's only credential; its digest is unique over all organisations and it holds 256 random
    // bits, so the lookup reveals nothing the token does not grant already.
    const found = await acrossTenants(em, "welcome token lookup", (lookup) =>
      lookup.findOne(User, { welcomeTokenDigest: digest }, { filters: false }),
    );
    if (!found) throw gone();
    const passwordHash = await this.options.passwords.hash(password);
    const organisationId = found.organisation.id;
    const now = this.options.clock.now();
    return withTenant(em, organisationId, async (tx) => {
      // Locked (the fork is fresh, so read afresh): of two completions at once, the second waits for
      // the first, then finds the token gone.
      const user = await tx.findOne(User, { id: found.id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      const expired = !user?.welcomeExpireTime || user.welcomeExpireTime <= now;
      if (!user || user.welcomeTokenDigest !== digest || expired || user.deactivateTime) throw gone();
      user.passwordHash = passwordHash;
      user.welcomeTokenDigest = null;
      user.welcomeExpireTime = null;
      user.updateTime = now;
      recordAudit(tx, {
        organisationId,
        actor: userActor(user.id),
        action: "user.complete_welcome",
        target: user.id,
        outcome: "success",
        clientAddress,
        time: now,
      });
      const organisation = await tx.findOneOrFail(Organisation, organisationId);
      await tx.flush();
      return { user, organisationName: organisation.name };
    });
  }

  /**
   * refuseLastAdmin throws FAILED_PRECONDITION (LAST_ADMIN) when `user` is the organisation's only
   * active admin (one with a password who is not deactivated). It locks every such admin, in id
   * order, so two admins demoting each other at once take turns: the second then no longer counts
   * the first, and is refused.
   */
  private async refuseLastAdmin(em: EntityManager, user: User, change: string): Promise<void> {
    const admins = await em.find(
      User,
      { role: "admin", deactivateTime: null, passwordHash: { $ne: noPassword } },
      { lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { id: "asc" }, fields: ["id"], disableIdentityMap: true },
    );
    if (admins.every((admin) => admin.id === user.id)) {
      throw new FailedPreconditionError(
        "LAST_ADMIN",
        `user ${user.id} is the organisation's last active admin and cannot be ${change}: make another user admin first`,
      );
    }
  }

  /**
   * user reads the user unlocked and outside the identity map, so the locked reads after it
   * (lockedUser, UserAccounts) load the row as it is once locked; NOT_FOUND for a missing or foreign one.
   */
  private async user(em: EntityManager, id: string): Promise<User> {
    const user = await em.findOne(User, { id }, { disableIdentityMap: true });
    if (!user) throw new NotFoundError("user", id);
    return user;
  }

  /** lockedUser reads the user for a change, locked and afresh. */
  private async lockedUser(em: EntityManager, id: string): Promise<User> {
    const user = await em.findOne(User, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
    if (!user) throw new NotFoundError("user", id);
    return user;
  }
}
