/**
 * provisioning.ts creates organisations and users: what an operator does with ddctl, what the first
 * embedded start does, and what tests use to set up. API keys go through ApiKeyManager.
 */
import { UniqueConstraintViolationException } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/postgresql";
import type { Clock } from "../../platform/clock.js";
import { newId } from "../../platform/ids.js";
import { MAX_ADVANCE_NOTICE_WORKING_DAYS, MIN_ADVANCE_NOTICE_WORKING_DAYS } from "../calendar/bacs-calendar.js";
import { AlreadyExistsError, type FieldViolation, InvalidArgumentError, NotFoundError } from "../errors.js";
import type { Acting } from "./acting.js";
import { recordAudit } from "./audit-log.js";
import { bacsDisplayNameFrom, bacsIdentityViolations, normaliseBacsDisplayName } from "./bacs-identity.js";
import { Organisation } from "./organisation.entity.js";
import { newPasswordProblem, type PasswordHasher } from "./password.js";
import { isRoleName, type RoleName } from "./scopes.js";
import { normaliseEmail } from "./session.service.js";
import { User } from "./user.entity.js";

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** isEmailAddress: a normalised email (normaliseEmail) that users may sign in with. */
export function isEmailAddress(email: string): boolean {
  return emailPattern.test(email) && email.length <= 254;
}

/**
 * OrganisationCreated runs inside the transaction that creates an organisation, before the flush:
 * other modules add what every organisation starts with (default alert thresholds) without identity
 * knowing of them. The composition root (app.ts) wires it.
 */
export type OrganisationCreated = (em: EntityManager, organisation: Organisation, now: Date) => void;

/** Provisioning creates organisations and users; the clock stamps what it creates. */
export class Provisioning {
  constructor(
    private readonly deps: {
      clock: Clock;
      /** Hashes new users' passwords. */
      passwords: PasswordHasher;
      onOrganisationCreated?: OrganisationCreated | undefined;
    },
  ) {}

  /**
   * createOrganisation adds a live or sandbox organisation and whatever onOrganisationCreated adds.
   * A live one needs its Bacs identity (service user number and display name); a sandbox one may go
   * without a SUN, and without a display name gets one made from its name (bacsDisplayNameFrom).
   */
  async createOrganisation(
    em: EntityManager,
    input: { name: string; sandbox: boolean; serviceUserNumber?: string; bacsDisplayName?: string },
  ): Promise<Organisation> {
    const name = input.name.trim();
    const violations: FieldViolation[] = [];
    if (name.length === 0 || name.length > 200)
      violations.push({ field: "name", description: "must be 1 to 200 characters" });
    violations.push(...bacsIdentityViolations(input));
    if (violations.length > 0) throw new InvalidArgumentError(violations);
    const now = this.deps.clock.now();
    const organisation = em.create(Organisation, {
      id: newId("OR", now.getTime()),
      name,
      sandbox: input.sandbox,
      serviceUserNumber: input.serviceUserNumber?.trim() ?? null,
      bacsDisplayName:
        input.bacsDisplayName === undefined
          ? bacsDisplayNameFrom(name)
          : normaliseBacsDisplayName(input.bacsDisplayName),
      createTime: now,
      updateTime: now,
    });
    this.deps.onOrganisationCreated?.(em, organisation, now);
    await em.flush();
    return organisation;
  }

  /**
   * setBacsIdentity sets an organisation's service user number and the name payers see, with an
   * audit event. It changes what payers are shown from now on (emails, the payer page); moving
   * Instructions already lodged under an earlier SUN is for the sponsor bank to arrange with Bacs.
   */
  async setBacsIdentity(
    em: EntityManager,
    acting: Acting,
    identity: { serviceUserNumber: string; bacsDisplayName: string },
  ): Promise<Organisation> {
    return this.changeOrganisation(em, acting, "organisation.set_bacs_identity", "success", (organisation) => {
      const violations = bacsIdentityViolations({ sandbox: organisation.sandbox, ...identity });
      if (violations.length > 0) throw new InvalidArgumentError(violations);
      organisation.serviceUserNumber = identity.serviceUserNumber.trim();
      organisation.bacsDisplayName = normaliseBacsDisplayName(identity.bacsDisplayName);
    });
  }

  /**
   * setPayerNotices sets the organisation's advance notice period (working days, 3–30: the
   * Guarantee's 10 unless agreed otherwise with its payers) and who sends payers their notices.
   */
  async setPayerNotices(
    em: EntityManager,
    acting: Acting,
    notices: { advanceNoticeWorkingDays: number; payerNoticesBy: "SERVICE" | "ORGANISATION" },
  ): Promise<Organisation> {
    const days = notices.advanceNoticeWorkingDays;
    if (!Number.isInteger(days) || days < MIN_ADVANCE_NOTICE_WORKING_DAYS || days > MAX_ADVANCE_NOTICE_WORKING_DAYS) {
      throw InvalidArgumentError.field(
        "advance_notice_working_days",
        `must be a whole number of working days from ${MIN_ADVANCE_NOTICE_WORKING_DAYS} to ${MAX_ADVANCE_NOTICE_WORKING_DAYS}`,
      );
    }
    return this.changeOrganisation(em, acting, "organisation.set_payer_notices", "success", (organisation) => {
      organisation.advanceNoticeWorkingDays = days;
      organisation.payerNoticesBy = notices.payerNoticesBy;
    });
  }

  /** setRateLimit changes an organisation's sustained requests a minute and burst, with an audit event. */
  async setRateLimit(
    em: EntityManager,
    acting: Acting,
    limit: { perMinute: number; burst: number },
  ): Promise<Organisation> {
    return this.changeOrganisation(em, acting, "organisation.set_rate_limit", "success", (organisation) => {
      organisation.rateLimitPerMinute = limit.perMinute;
      organisation.rateLimitBurst = limit.burst;
    });
  }

  /**
   * requireAdminTotp turns the organisation's requirement of TOTP for admins on or off, with an
   * audit event. While on, an admin without TOTP gets sessions that can only enrol in it.
   */
  async requireAdminTotp(em: EntityManager, acting: Acting, required: boolean): Promise<Organisation> {
    return this.changeOrganisation(
      em,
      acting,
      "organisation.require_admin_totp",
      required ? "on" : "off",
      (organisation) => {
        organisation.requireAdminTotp = required;
      },
    );
  }

  /** createUser adds a user to an organisation; the password is stored only as a scrypt hash. */
  async createUser(
    em: EntityManager,
    input: { organisationId: string; email: string; role: string; password: string; displayName?: string },
  ): Promise<User> {
    const email = normaliseEmail(input.email);
    const violations: FieldViolation[] = [];
    if (!isEmailAddress(email)) violations.push({ field: "email", description: "is not an email address" });
    if (!isRoleName(input.role)) violations.push({ field: "role", description: "must be admin, member or viewer" });
    const passwordProblem = newPasswordProblem(input.password);
    if (passwordProblem) violations.push({ field: "password", description: passwordProblem });
    if (violations.length > 0) throw new InvalidArgumentError(violations);
    const organisation = await em.findOneOrFail(Organisation, input.organisationId);
    const now = this.deps.clock.now();
    const user = em.create(User, {
      id: newId("US", now.getTime()),
      organisation,
      email,
      displayName: input.displayName ?? "",
      passwordHash: await this.deps.passwords.hash(input.password),
      role: input.role as RoleName,
      createTime: now,
      updateTime: now,
    });
    try {
      await em.flush();
    } catch (error) {
      // Emails are unique across organisations, which only the database sees: row-level security
      // hides other organisations' users from this one.
      if (error instanceof UniqueConstraintViolationException) {
        throw new AlreadyExistsError("EMAIL_TAKEN", `a user with email ${email} already exists`);
      }
      throw error;
    }
    return user;
  }

  /**
   * changeOrganisation applies one settings change to the acting organisation, stamps it and
   * records the audit event in the same flush, so a change is never saved without its record.
   * The change may refuse by throwing, which writes nothing as long as it throws before it changes
   * the organisation (check first, then set).
   */
  private async changeOrganisation(
    em: EntityManager,
    acting: Acting,
    action: string,
    outcome: string,
    change: (organisation: Organisation) => void,
  ): Promise<Organisation> {
    const organisation = await em.findOne(Organisation, { id: acting.organisationId });
    if (!organisation) throw new NotFoundError("organisation", acting.organisationId);
    change(organisation);
    const now = this.deps.clock.now();
    organisation.updateTime = now;
    recordAudit(em, {
      organisationId: organisation.id,
      actor: acting.actor,
      action,
      target: organisation.id,
      outcome,
      clientAddress: acting.clientAddress,
      time: now,
    });
    await em.flush();
    return organisation;
  }
}
