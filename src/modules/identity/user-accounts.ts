/**
 * user-accounts.ts changes a user's role, deactivates users, resets a lost TOTP factor and unlocks a
 * sign-in locked by wrong codes (ddctl, and UserService through user-directory.ts). Each change ends every session of the user in the same transaction (endSessionsOf), so a
 * demoted or deactivated user's open browser loses what it had at once, not at the session's expiry.
 * A password change does the same (SessionManager.changePassword).
 */
import { type EntityManager, LockMode } from "@mikro-orm/postgresql";
import type { Clock } from "../../platform/clock.js";
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from "../errors.js";
import type { Acting } from "./acting.js";
import { recordAudit } from "./audit-log.js";
import { isRoleName } from "./scopes.js";
import { endSessionsOf, totpFailureLimit } from "./session.service.js";
import { User } from "./user.entity.js";

/** UserChange is a change made, with how many live sessions it ended. */
export interface UserChange {
  user: User;
  endedSessions: number;
}

/** UserAccounts changes roles, deactivates users, resets their TOTP and unlocks their sign-in. */
export class UserAccounts {
  constructor(private readonly deps: { clock: Clock }) {}

  /** setRole gives the user `role` and ends their sessions (also when the role is unchanged: harmless, and predictable). */
  async setRole(em: EntityManager, acting: Acting, userId: string, role: string): Promise<UserChange> {
    if (!isRoleName(role)) throw InvalidArgumentError.field("role", "must be admin, member or viewer");
    const user = await this.user(em, userId);
    const now = this.deps.clock.now();
    const previous = user.role;
    user.role = role;
    return this.commit(em, acting, user, now, "user.set_role", `${previous}->${role}`);
  }

  /**
   * deactivate stops the user signing in, ends their sessions and voids an unused welcome link;
   * FAILED_PRECONDITION if done already.
   */
  async deactivate(em: EntityManager, acting: Acting, userId: string): Promise<UserChange> {
    const user = await this.user(em, userId);
    if (user.deactivateTime)
      throw new FailedPreconditionError("USER_DEACTIVATED", `user ${userId} is deactivated already`);
    const now = this.deps.clock.now();
    user.deactivateTime = now;
    // An unused welcome link would set a password nobody can sign in with: void it all the same.
    user.welcomeTokenDigest = null;
    user.welcomeExpireTime = null;
    return this.commit(em, acting, user, now, "user.deactivate", "success");
  }

  /**
   * resetTotp turns off the user's TOTP (a lost authenticator; the operator checked who asks) and
   * ends their sessions; they sign in with the password alone and enrol again. FAILED_PRECONDITION
   * when they have no factor, confirmed or pending.
   */
  async resetTotp(em: EntityManager, acting: Acting, userId: string): Promise<UserChange> {
    const user = await this.user(em, userId);
    if (!user.totpSecret) throw new FailedPreconditionError("TOTP_NOT_ENABLED", `user ${userId} has no TOTP`);
    const now = this.deps.clock.now();
    user.totpSecret = null;
    user.totpEnableTime = null;
    user.totpLastStep = null;
    user.totpFailures = 0;
    return this.commit(em, acting, user, now, "user.totp_reset", "success");
  }

  /**
   * unlock clears the user's run of wrong TOTP codes, so a sign-in locked by it works again with the
   * next right code. Sessions are left alone: the lock stops sign-ins, and those were never opened.
   * Returns whether the sign-in was locked. Whoever guessed the codes had the password: the user
   * should change it.
   */
  async unlock(em: EntityManager, acting: Acting, userId: string): Promise<{ user: User; wasLocked: boolean }> {
    const user = await this.user(em, userId);
    const wasLocked = user.totpFailures >= totpFailureLimit;
    const now = this.deps.clock.now();
    user.totpFailures = 0;
    user.updateTime = now;
    this.audit(em, acting, user, now, "user.sign_in_unlock", wasLocked ? "success" : "NOT_LOCKED");
    await em.flush();
    return { user, wasLocked };
  }

  /**
   * commit writes the user's change, then ends their sessions and records the audit event. The
   * change is written first, as ChangePassword does: its row lock waits for a sign-in that is
   * opening a session, which then ends with the others.
   */
  private async commit(
    em: EntityManager,
    acting: Acting,
    user: User,
    now: Date,
    action: string,
    outcome: string,
  ): Promise<UserChange> {
    user.updateTime = now;
    await em.flush();
    const endedSessions = await endSessionsOf(em, user.id, now);
    this.audit(em, acting, user, now, action, outcome);
    await em.flush();
    return { user, endedSessions };
  }

  /** audit records the operator's change to the user. */
  private audit(em: EntityManager, acting: Acting, user: User, now: Date, action: string, outcome: string): void {
    recordAudit(em, {
      organisationId: acting.organisationId,
      actor: acting.actor,
      action,
      target: user.id,
      outcome,
      clientAddress: acting.clientAddress,
      time: now,
    });
  }

  /**
   * user reads the row locked: a wrong-code count or sign-in under way waits for this change, so
   * clearing the count loses no increment made after the read, and what it reports is current.
   */
  private async user(em: EntityManager, userId: string): Promise<User> {
    const user = await em.findOne(User, { id: userId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!user) throw new NotFoundError("user", userId);
    return user;
  }
}
