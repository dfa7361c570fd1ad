/**
 * second-factor.ts lets a signed-in user enrol in a TOTP second factor, confirm it and turn it off.
 * The secret is shown once, at enrolment, and stored only sealed (platform/secret-cipher.ts); it signs
 * nobody in until a current code confirms it, and confirming it ends the user's other sessions.
 * Codes tried here are throttled per user, so a stolen session cannot guess its way to turning the
 * factor off.
 */
import type { EntityManager } from "@mikro-orm/postgresql";
import type { Clock } from "../../platform/clock.js";
import type { WindowCounter } from "../../platform/redis/window-counter.js";
import type { SecretCipher } from "../../platform/secret-cipher.js";
import { FailedPreconditionError, InvalidArgumentError, NotFoundError, ResourceExhaustedError } from "../errors.js";
import type { Acting } from "./acting.js";
import { recordAudit } from "./audit-log.js";
import { Organisation } from "./organisation.entity.js";
import { endSessionsOf, useTotpStep } from "./session.service.js";
import { base32, matchTotp, newTotpSecret, otpauthUri, totpCodePattern } from "./totp.js";
import { User } from "./user.entity.js";

/** Code attempts (confirm and disable) per user per window: enough for typos, far too few to guess. */
const attempts = { windowSeconds: 15 * 60, perUser: 10 };

/** TotpEnrolment is what EnrollTotp shows, once. */
export interface TotpEnrolment {
  otpauthUri: string;
  /** The secret in base32. */
  secret: string;
}

export interface SecondFactorOptions {
  clock: Clock;
  cipher: SecretCipher;
  counter: WindowCounter;
  /** The issuer authenticator apps show beside the account. */
  issuer?: string;
}

/** SecondFactor enrols, confirms and disables users' TOTP. */
export class SecondFactor {
  private readonly issuer: string;

  constructor(private readonly options: SecondFactorOptions) {
    this.issuer = options.issuer ?? "Direct Debit";
  }

  /** enroll gives the user a new pending secret (replacing a pending one); refused while TOTP is on. */
  async enroll(em: EntityManager, acting: Acting, userId: string): Promise<TotpEnrolment> {
    const user = await this.user(em, userId);
    if (user.totpEnableTime) {
      throw new FailedPreconditionError(
        "TOTP_ALREADY_ENABLED",
        "TOTP is on already: disable it before enrolling again",
      );
    }
    const secret = newTotpSecret();
    const now = this.options.clock.now();
    user.totpSecret = this.options.cipher.seal(secret, user.id);
    user.totpLastStep = null;
    user.updateTime = now;
    this.audit(em, acting, user.id, "user.totp_enroll", now);
    await em.flush();
    return { otpauthUri: otpauthUri(secret, this.issuer, user.email), secret: base32(secret) };
  }

  /**
   * confirm turns the pending enrolment on with a current code and ends the user's other sessions:
   * they were opened with the password alone (perhaps by whoever made the user want a second
   * factor), and must not outlive it. The caller's session, which just gave a code, goes on.
   */
  async confirm(em: EntityManager, acting: Acting, userId: string, sessionId: string, code: string): Promise<User> {
    const user = await this.user(em, userId);
    if (user.totpEnableTime) throw new FailedPreconditionError("TOTP_ALREADY_ENABLED", "TOTP is on already");
    if (!user.totpSecret) throw new FailedPreconditionError("TOTP_NOT_ENROLLED", "enrol in TOTP first");
    const now = await this.checkCode(em, user, code);
    user.totpEnableTime = now;
    user.updateTime = now;
    // Written before the sessions end, as ChangePassword does: a password-only sign-in opening its
    // session waits on the row lock, then finds that it needs a code (SessionManager.signIn).
    await em.flush();
    await endSessionsOf(em, user.id, now, sessionId);
    this.audit(em, acting, user.id, "user.totp_confirm", now);
    await em.flush();
    return user;
  }

  /** disable turns TOTP off with a current code; refused for an admin whose organisation requires it. */
  async disable(em: EntityManager, acting: Acting, userId: string, code: string): Promise<User> {
    const user = await this.user(em, userId);
    if (!user.totpEnableTime || !user.totpSecret) throw new FailedPreconditionError("TOTP_NOT_ENABLED", "TOTP is off");
    const organisation = await em.findOneOrFail(Organisation, { id: acting.organisationId });
    if (organisation.requireAdminTotp && user.role === "admin") {
      throw new FailedPreconditionError(
        "TOTP_REQUIRED_BY_ORGANISATION",
        "the organisation requires TOTP of admins: it cannot be turned off",
      );
    }
    const now = await this.checkCode(em, user, code);
    user.totpSecret = null;
    user.totpEnableTime = null;
    user.totpLastStep = null;
    // A run of wrong codes belongs to the factor that is going: a new one starts from none.
    user.totpFailures = 0;
    user.updateTime = now;
    this.audit(em, acting, user.id, "user.totp_disable", now);
    await em.flush();
    return user;
  }

  /** checkCode throws unless `code` is current and unused for the user's secret; returns now. */
  private async checkCode(em: EntityManager, user: User, code: string): Promise<Date> {
    if (!totpCodePattern.test(code))
      throw InvalidArgumentError.field("code", "must be the 6 digits the authenticator shows");
    const counted = await this.options.counter.increment(`totp:user:${user.id}`, attempts.windowSeconds);
    if (counted.count > attempts.perUser) {
      throw new ResourceExhaustedError(
        "TOTP_THROTTLED",
        "too many codes tried; try again later",
        counted.resetSeconds * 1000,
      );
    }
    const now = this.options.clock.now();
    let secret: Buffer;
    try {
      secret = this.options.cipher.open(user.totpSecret ?? "", user.id);
    } catch {
      throw new FailedPreconditionError(
        "TOTP_SECRET_UNREADABLE",
        "the TOTP secret cannot be read: an operator can reset it (ddctl user reset-totp)",
      );
    }
    const step = matchTotp(secret, code, now, user.totpLastStep ?? null);
    if (step === undefined || !(await useTotpStep(em, user.id, step))) {
      throw InvalidArgumentError.field("code", "is not the current code (or was used already)");
    }
    // useTotpStep wrote the step past the unit of work: keep the entity in step with the row.
    user.totpLastStep = step;
    return now;
  }

  private async user(em: EntityManager, userId: string): Promise<User> {
    const user = await em.findOne(User, { id: userId });
    if (!user) throw new NotFoundError("user", userId);
    return user;
  }

  private audit(em: EntityManager, acting: Acting, userId: string, action: string, time: Date): void {
    recordAudit(em, {
      organisationId: acting.organisationId,
      actor: acting.actor,
      action,
      target: userId,
      outcome: "success",
      clientAddress: acting.clientAddress,
      time,
    });
  }
}
