/**
 * mandate.service.ts is the mandate lifecycle: create (and email the invite), read, list, update,
 * the organisation's transitions (cancel, suspend, reactivate, resend invite), the payer's
 * completion of an invite, and the entry point Bacs processing and the sandbox use for theirs.
 * Every write validates all its fields before touching the database (one violation per bad field,
 * nothing written), runs in one transaction with the mandate row locked, and records its audit
 * event and, for a state change, its notification in the same flush.
 */
import { LockMode, UniqueConstraintViolationException } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/postgresql";
import type { Clock } from "../../platform/clock.js";
import { findPage, type IdCursor, type PageRequest } from "../../platform/db/keyset-page.js";
import { scopeToOrganisation } from "../../platform/db/tenant-filter.js";
import { newId } from "../../platform/ids.js";
import type { Mailer } from "../../platform/mail/mailer.js";
import {
  AlreadyExistsError,
  FailedPreconditionError,
  type FieldViolation,
  InvalidArgumentError,
  NotFoundError,
} from "../errors.js";
import type { Acting } from "../identity/acting.js";
import { recordAudit } from "../identity/audit-log.js";
import { Organisation } from "../identity/organisation.entity.js";
import { recordNotification } from "../notifications/notifications.js";
import { resolveUpdateMask } from "../update-mask.js";
import type { AccountNumberCipher } from "./account-number-cipher.js";
import { generateReference, normaliseReference, referenceProblem } from "./bacs-reference.js";
import { type BankDetails, bankDetailsViolations } from "./bank-details.js";
import { inviteTokenDigest, looksLikeInviteToken } from "./invite-token.js";
import { Mandate } from "./mandate.entity.js";
import { checkEmail, checkMetadata, checkName, checkReason } from "./mandate-fields.js";
import { MandateInvite } from "./mandate-invite.entity.js";
import { MandateInvites } from "./mandate-invites.js";
import {
  isResubmission,
  type MandateAction,
  type MandateStateName,
  maxResubmissions,
  planStep,
  referenceEditableStates,
} from "./mandate-lifecycle.js";
import { applyStateChange, notificationType, type StateChange } from "./mandate-state-change.js";

/** NewMandate is a create request in plain values; an empty reference means "generate one". */
export interface NewMandate {
  reference: string;
  payerName: string;
  payerEmail: string;
  metadata: Readonly<Record<string, string>>;
}

/** MandateFilter is ListMandates' filters: states (any of), exact reference, payer email (any case). */
export interface MandateFilter {
  states: readonly MandateStateName[];
  reference: string;
  payerEmail: string;
}

/** MandateUpdate is an update request: the mask (undefined when absent) and the new values. */
export interface MandateUpdate extends NewMandate {
  id: string;
  mask: readonly string[] | undefined;
}

/** The update_mask paths UpdateMandate accepts. */
export const updatablePaths = ["reference", "metadata", "payer.name", "payer.email"] as const;
type UpdatablePath = (typeof updatablePaths)[number];

/** The actions Bacs processing, Bacs reports and the sandbox take (not the organisation). */
export type ExternalAction = Extract<MandateAction, "submit" | "activate" | "fail" | "cancel" | "expire">;

/** CompletedInvite is what the payer is shown after completing an invite. */
export interface CompletedInvite {
  mandate: Mandate;
  organisationName: string;
}

/** MandateManagerOptions are the manager's dependencies. */
export interface MandateManagerOptions {
  clock: Clock;
  mailer: Mailer;
  /** Base of invite links, e.g. https://pay.example.com. */
  publicBaseUrl: string;
  cipher: AccountNumberCipher;
  /**
   * onClosed runs in the transaction that moves a mandate to CANCELLED, FAILED or EXPIRED, so what
   * depends on the mandate closes with it (collections: its schedules and pending collections).
   */
  onClosed?: ((em: EntityManager, mandate: Mandate, now: Date) => Promise<void>) | undefined;
}

/** States after which a mandate takes no more collections: onClosed runs on entering them. */
const closedStates: ReadonlySet<MandateStateName> = new Set(["CANCELLED", "FAILED", "EXPIRED"]);

// A function, not a shared object: MikroORM writes into the options it is given (populate hints).
const lock = () => ({ lockMode: LockMode.PESSIMISTIC_WRITE }) as const;
const organisationActions = { cancel: "Cancelled", suspend: "Suspended", reactivate: "Reactivated" } as const;

/** MandateManager runs the mandate lifecycle on a tenant-scoped EntityManager. */
export class MandateManager {
  private readonly invites: MandateInvites;

  constructor(private readonly options: MandateManagerOptions) {
    this.invites = new MandateInvites(options.mailer, options.publicBaseUrl);
  }

  /** create stores a mandate in PENDING_CUSTOMER_APPROVAL and emails the payer an invite. */
  async create(em: EntityManager, acting: Acting, input: NewMandate): Promise<Mandate> {
    const violations: FieldViolation[] = [];
    checkName(input.payerName, "mandate.payer.name", violations);
    checkEmail(input.payerEmail, "mandate.payer.email", violations);
    const reference = input.reference === "" ? undefined : normaliseReference(input.reference);
    if (reference !== undefined) checkReference(reference, "mandate.reference", violations);
    checkMetadata(input.metadata, "mandate.metadata", violations);
    if (violations.length > 0) throw new InvalidArgumentError(violations);

    const now = this.options.clock.now();
    return withUniqueReference(() =>
      em.transactional(async (tx) => {
        const organisation = await tx.findOneOrFail(Organisation, acting.organisationId);
        if (reference !== undefined) await assertReferenceFree(tx, reference, undefined);
        const mandate = tx.create(Mandate, {
          id: newId("MD", now.getTime()),
          organisation,
          state: "PENDING_CUSTOMER_APPROVAL",
          reference: reference ?? (await freshReference(tx)),
          payerName: input.payerName.trim(),
          payerEmail: input.payerEmail,
          payerEmailNormalised: input.payerEmail.toLowerCase(),
          accountHolderName: null,
          sortCode: null,
          accountNumberEnding: null,
          accountNumberCiphertext: null,
          metadata: { ...input.metadata },
          resubmissionCount: 0,
          inviteExpireTime: null,
          lastChangePreviousState: null,
          lastChangeCause: "ORGANISATION",
          lastChangeReasonCode: null,
          lastChangeDescription: "Created by the organisation; the payer was sent an invite",
          lastChangeTime: now,
          createTime: now,
          updateTime: now,
        });
        const issued = await this.invites.issue(tx, mandate, now);
        recordAudit(tx, { ...acting, action: "mandate.create", target: mandate.id, outcome: "success" });
        recordNotification(tx, {
          organisationId: organisation.id,
          type: "mandate.created",
          resourceType: "mandate",
          resourceId: mandate.id,
          mandateId: mandate.id,
          message: `Mandate ${mandate.id} (reference ${mandate.reference}) created; the payer was sent an invite`,
          time: now,
        });
        await tx.flush(); // a taken reference fails here, before the payer is emailed
        await this.invites.send(mandate, organisation, issued);
        return mandate;
      }),
    );
  }

  /** get returns the organisation's mandate; NOT_FOUND for a missing one or another organisation's. */
  async get(em: EntityManager, id: string): Promise<Mandate> {
    if (id === "") throw InvalidArgumentError.field("mandate_id", "is required");
    const mandate = await em.findOne(Mandate, { id });
    if (!mandate) throw new NotFoundError("mandate", id);
    return mandate;
  }

  /** list returns one page, newest first, and whether more follow. */
  async list(em: EntityManager, filter: MandateFilter, page: PageRequest<IdCursor>) {
    const where = {
      ...(filter.states.length > 0 ? { state: { $in: [...filter.states] } } : {}),
      ...(filter.reference !== "" ? { reference: normaliseReference(filter.reference) } : {}),
      ...(filter.payerEmail !== "" ? { payerEmailNormalised: filter.payerEmail.toLowerCase() } : {}),
    };
    return findPage(em, Mandate, where, { orderBy: ["id"], ...page });
  }

  /** update changes the fields the mask names (see UpdateMandateRequest.update_mask). */
  async update(em: EntityManager, acting: Acting, input: MandateUpdate): Promise<Mandate> {
    const violations: FieldViolation[] = [];
    if (input.id === "") violations.push({ field: "mandate.id", description: "is required" });
    const set = setFields(input);
    const paths = resolveUpdateMask(input.mask, updatablePaths, (path) => set[path], violations);
    const reference = normaliseReference(input.reference);
    if (paths.has("reference")) checkReference(reference, "mandate.reference", violations);
    if (paths.has("payer.name")) checkName(input.payerName, "mandate.payer.name", violations);
    if (paths.has("payer.email")) checkEmail(input.payerEmail, "mandate.payer.email", violations);
    if (paths.has("metadata")) checkMetadata(input.metadata, "mandate.metadata", violations);
    if (violations.length > 0) throw new InvalidArgumentError(violations);

    const now = this.options.clock.now();
    return withUniqueReference(() =>
      em.transactional(async (tx) => {
        const mandate = await lockMandate(tx, input.id);
        const before = JSON.stringify(shown(mandate));
        if (paths.has("reference") && reference !== mandate.reference) {
          if (!referenceEditableStates.has(mandate.state)) {
            throw new FailedPreconditionError(
              "MANDATE_REFERENCE_LOCKED",
              `mandate ${mandate.id}: the reference can change only before the instruction is submitted`,
            );
          }
          await assertReferenceFree(tx, reference, mandate.id);
          mandate.reference = reference;
        }
        if (paths.has("payer.name")) mandate.payerName = input.payerName.trim();
        if (paths.has("payer.email")) {
          mandate.payerEmail = input.payerEmail;
          mandate.payerEmailNormalised = input.payerEmail.toLowerCase();
        }
        if (paths.has("metadata")) mandate.metadata = { ...input.metadata };
        if (JSON.stringify(shown(mandate)) !== before) {
          mandate.updateTime = now;
          recordAudit(tx, {
            ...acting,
            action: "mandate.update",
            target: mandate.id,
            outcome: `success:${[...paths].sort().join(",")}`,
          });
        }
        return mandate;
      }),
    );
  }

  /** cancel: any state but CANCELLED, FAILED and EXPIRED → CANCELLED; an open invite stops working. */
  cancel(em: EntityManager, acting: Acting, id: string, reason: string): Promise<Mandate> {
    return this.act(em, acting, id, "cancel", reason);
  }

  /** suspend: ACTIVE → SUSPENDED. */
  suspend(em: EntityManager, acting: Acting, id: string, reason: string): Promise<Mandate> {
    return this.act(em, acting, id, "suspend", reason);
  }

  /** reactivate: SUSPENDED → ACTIVE; CANCELLED or EXPIRED → PENDING_SUBMISSION (a resubmission, at most 10). */
  reactivate(em: EntityManager, acting: Acting, id: string, reason: string): Promise<Mandate> {
    return this.act(em, acting, id, "reactivate", reason);
  }

  /** resendInvite emails a new invite link; the previous one stops working. PENDING_CUSTOMER_APPROVAL only. */
  async resendInvite(em: EntityManager, acting: Acting, id: string, reason: string): Promise<Mandate> {
    checkIdAndReason(id, reason);
    const now = this.options.clock.now();
    return em.transactional(async (tx) => {
      const mandate = await lockMandate(tx, id);
      refuseUnless(mandate, "resendInvite");
      const organisation = await tx.findOneOrFail(Organisation, acting.organisationId);
      const issued = await this.invites.issue(tx, mandate, now);
      mandate.updateTime = now;
      recordAudit(tx, { ...acting, action: "mandate.resend_invite", target: mandate.id, outcome: "success" });
      await tx.flush();
      await this.invites.send(mandate, organisation, issued);
      return mandate;
    });
  }

  /**
   * completeInvite takes the payer's bank details for the invite whose token this is, and moves the
   * mandate to PENDING_SUBMISSION. `em` is the public request's EntityManager: it has no tenant
   * filter parameters, as there is no caller.
   */
  async completeInvite(
    em: EntityManager,
    token: string,
    details: BankDetails,
    clientAddress?: string,
  ): Promise<CompletedInvite> {
    const violations = bankDetailsViolations(details);
    if (token === "") violations.unshift({ field: "invite_token", description: "is required" });
    if (violations.length > 0) throw new InvalidArgumentError(violations);
    // Unknown, used, expired, superseded: one answer, and never the token in a message or log.
    const gone = () => new NotFoundError("mandate invite", "(token)");
    if (!looksLikeInviteToken(token)) throw gone();

    // The one lookup across organisations, on purpose: the token is the payer's only credential and
    // names no organisation. Its digest is unique over all organisations and the token holds 256
    // random bits, so the lookup reveals nothing the token does not already grant. Everything after
    // it runs on a fork scoped to the invite's own organisation.
    const found = await em.findOne(MandateInvite, { tokenDigest: inviteTokenDigest(token) }, { filters: false });
    if (!found) throw gone();
    const organisationId = found.organisation.id;
    const scoped = scopeToOrganisation(em.fork(), organisationId);
    const now = this.options.clock.now();
    return scoped.transactional(async (tx) => {
      // Mandate first, then its invite: the order every other mandate change (cancel, resend) takes,
      // so a payer completing while the organisation acts waits instead of deadlocking.
      const mandate = await tx.findOne(Mandate, { id: found.mandate.id }, lock());
      if (!mandate || "refusal" in planStep(mandate.state, "complete")) throw gone();
      const invite = await tx.findOne(MandateInvite, { id: found.id }, lock());
      if (!invite || invite.useTime || invite.supersedeTime || invite.expireTime <= now) throw gone();
      invite.useTime = now;
      mandate.accountHolderName = details.accountHolderName.trim();
      mandate.sortCode = details.sortCode;
      mandate.accountNumberEnding = details.accountNumber.slice(-2);
      mandate.accountNumberCiphertext = this.options.cipher.seal(details.accountNumber, mandate.id);
      mandate.inviteExpireTime = null;
      applyStateChange(
        tx,
        mandate,
        "PENDING_SUBMISSION",
        { cause: "PAYER", description: "The payer completed the invite with their bank details" },
        "mandate.completed_by_payer",
        now,
      );
      recordAudit(tx, {
        organisationId,
        actor: "payer",
        action: "mandate.complete_invite",
        target: mandate.id,
        outcome: "success",
        clientAddress,
      });
      const organisation = await tx.findOneOrFail(Organisation, organisationId);
      return { mandate, organisationName: organisation.name };
    });
  }

  /**
   * completeWithoutInvite is the payer's completion for the sandbox simulators, which have no
   * invite token: PENDING_CUSTOMER_APPROVAL → PENDING_SUBMISSION with the given (test) bank
   * details; open invite links stop working. `em` is scoped to the mandate's organisation; the
   * caller (SandboxService) has checked that it is a sandbox organisation.
   */
  async completeWithoutInvite(
    em: EntityManager,
    id: string,
    details: BankDetails,
    change: StateChange,
    actor: string,
  ): Promise<Mandate> {
    const violations = bankDetailsViolations(details);
    if (violations.length > 0) throw new InvalidArgumentError(violations);
    const now = this.options.clock.now();
    return em.transactional(async (tx) => {
      const mandate = await lockMandate(tx, id);
      const to = refuseUnless(mandate, "complete");
      await this.invites.supersede(tx, mandate, now);
      mandate.accountHolderName = details.accountHolderName.trim();
      mandate.sortCode = details.sortCode;
      mandate.accountNumberEnding = details.accountNumber.slice(-2);
      mandate.accountNumberCiphertext = this.options.cipher.seal(details.accountNumber, mandate.id);
      applyStateChange(tx, mandate, to, change, notificationType(mandate.state, to), now);
      recordAudit(tx, {
        organisationId: mandate.organisation.id,
        actor,
        action: "mandate.complete",
        target: mandate.id,
        outcome: "success",
      });
      return mandate;
    });
  }

  /**
   * applyExternal records a change that Bacs processing, a Bacs report or the sandbox makes (not
   * the organisation): submit, activate, fail (AUDDIS), cancel (ADDACS), expire (dormancy).
   */
  async applyExternal(
    em: EntityManager,
    id: string,
    action: ExternalAction,
    change: StateChange,
    actor = "system",
  ): Promise<Mandate> {
    const now = this.options.clock.now();
    return em.transactional(async (tx) => {
      const mandate = await lockMandate(tx, id);
      const to = refuseUnless(mandate, action);
      if (mandate.state === "PENDING_CUSTOMER_APPROVAL") await this.invites.supersede(tx, mandate, now);
      applyStateChange(tx, mandate, to, change, notificationType(mandate.state, to), now);
      await this.closed(tx, mandate, now);
      recordAudit(tx, {
        organisationId: mandate.organisation.id,
        actor,
        action: `mandate.${action}`,
        target: mandate.id,
        outcome: "success",
      });
      return mandate;
    });
  }

  private async closed(em: EntityManager, mandate: Mandate, now: Date): Promise<void> {
    if (closedStates.has(mandate.state) && this.options.onClosed) await this.options.onClosed(em, mandate, now);
  }

  private async act(
    em: EntityManager,
    acting: Acting,
    id: string,
    action: keyof typeof organisationActions,
    reason: string,
  ): Promise<Mandate> {
    checkIdAndReason(id, reason);
    const now = this.options.clock.now();
    return em.transactional(async (tx) => {
      const mandate = await lockMandate(tx, id);
      const from = mandate.state;
      const to = refuseUnless(mandate, action);
      if (isResubmission(from, action)) {
        if (mandate.resubmissionCount >= maxResubmissions) {
          throw new FailedPreconditionError(
            "MANDATE_RESUBMISSION_LIMIT_REACHED",
            `mandate ${id} was already resubmitted ${maxResubmissions} times`,
            {
              max_resubmissions: String(maxResubmissions),
            },
          );
        }
        if (!mandate.accountNumberCiphertext) {
          throw new FailedPreconditionError(
            "MANDATE_BANK_ACCOUNT_MISSING",
            `mandate ${id} has no bank account: the payer never completed the invite`,
          );
        }
        mandate.resubmissionCount += 1;
      }
      if (from === "PENDING_CUSTOMER_APPROVAL") await this.invites.supersede(tx, mandate, now);
      const said = reason.trim() === "" ? "" : `: ${reason.trim()}`;
      const description = `${organisationActions[action]} by the organisation${said}`;
      applyStateChange(tx, mandate, to, { cause: "ORGANISATION", description }, notificationType(from, to), now);
      await this.closed(tx, mandate, now);
      recordAudit(tx, { ...acting, action: `mandate.${action}`, target: mandate.id, outcome: "success" });
      return mandate;
    });
  }
}

function checkReference(reference: string, field: string, violations: FieldViolation[]): void {
  const problem = referenceProblem(reference);
  if (problem) violations.push({ field, description: problem });
}

function checkIdAndReason(id: string, reason: string): void {
  const violations: FieldViolation[] = [];
  if (id === "") violations.push({ field: "mandate_id", description: "is required" });
  checkReason(reason, "reason", violations);
  if (violations.length > 0) throw new InvalidArgumentError(violations);
}

/** setFields says which fields an update without a mask sets: the non-empty ones. */
function setFields(input: MandateUpdate): Record<UpdatablePath, boolean> {
  return {
    reference: input.reference !== "",
    metadata: Object.keys(input.metadata).length > 0,
    "payer.name": input.payerName !== "",
    "payer.email": input.payerEmail !== "",
  };
}

/** shown is what an update can change, to tell whether it changed anything. */
function shown(mandate: Mandate) {
  return [mandate.reference, mandate.payerName, mandate.payerEmail, Object.entries(mandate.metadata).sort()];
}

async function lockMandate(em: EntityManager, id: string): Promise<Mandate> {
  const mandate = await em.findOne(Mandate, { id }, lock());
  if (!mandate) throw new NotFoundError("mandate", id);
  return mandate;
}

function refuseUnless(mandate: Mandate, action: MandateAction): MandateStateName {
  const step = planStep(mandate.state, action);
  if ("refusal" in step) {
    throw new FailedPreconditionError(
      step.refusal.reason,
      `mandate ${mandate.id} is ${mandate.state}: ${step.refusal.message}`,
      { state: mandate.state },
    );
  }
  return step.to;
}

async function assertReferenceFree(em: EntityManager, reference: string, exceptId: string | undefined): Promise<void> {
  const taken = await em.findOne(
    Mandate,
    { reference, ...(exceptId ? { id: { $ne: exceptId } } : {}) },
    { fields: ["id"] },
  );
  if (taken) throw referenceTaken(reference);
}

function referenceTaken(reference: string): AlreadyExistsError {
  return new AlreadyExistsError(
    "MANDATE_REFERENCE_ALREADY_EXISTS",
    `another mandate of the organisation has the reference ${reference}`,
    {
      field: "mandate.reference",
    },
  );
}

async function freshReference(em: EntityManager): Promise<string> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const reference = generateReference();
    if (!(await em.findOne(Mandate, { reference }, { fields: ["id"] }))) return reference;
  }
  throw new Error("could not generate a free mandate reference in 5 attempts");
}

/** withUniqueReference turns a race on the (organisation, reference) unique index into ALREADY_EXISTS. */
async function withUniqueReference<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) throw referenceTaken("given");
    throw error;
  }
}
