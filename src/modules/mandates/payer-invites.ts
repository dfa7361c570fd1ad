/**
 * payer-invites.ts is the invite a payer answers to set up their mandate: the organisation resends
 * it (a new link; the old one stops working), and the payer completes it with their bank details,
 * which moves the mandate to PENDING_SUBMISSION. Completion is the one mandate change without a
 * caller: the token in the link is the payer's only credential, and names no organisation.
 */
import type { EntityManager } from "@mikro-orm/postgresql";
import type { Clock } from "../../platform/clock.js";
import { lockForChange } from "../../platform/db/lock-for-change.js";
import { acrossTenants, withTenant } from "../../platform/db/tenant-session.js";
import { linkTokenDigest, looksLikeLinkToken } from "../../platform/link-token.js";
import type { BankAccountCheck } from "../bank-accounts/account-check.js";
import { InvalidArgumentError, NotFoundError } from "../errors.js";
import type { Acting } from "../identity/acting.js";
import { recordAudit } from "../identity/audit-log.js";
import { Organisation } from "../identity/organisation.entity.js";
import type { AccountNumberCipher } from "./account-number-cipher.js";
import { type BankDetails, bankDetailsViolations, recordBankDetails } from "./bank-details.js";
import type { InviteLinks } from "./invite-links.js";
import { findLockedMandate, lockMandate, refuseUnless } from "./locked-mandate.js";
import { Mandate } from "./mandate.entity.js";
import { checkActionRequest } from "./mandate-fields.js";
import { MandateInvite } from "./mandate-invite.entity.js";
import { planStep } from "./mandate-lifecycle.js";
import { applyStateChange } from "./mandate-state-change.js";

/** CompletedInvite is what the payer is shown after completing an invite. */
export interface CompletedInvite {
  mandate: Mandate;
  organisationName: string;
}

/**
 * PayerAnswer is what the payer gives to complete an invite: their bank details, and the declaration
 * the Direct Debit Instruction needs: that they hold the account and no one else must authorise
 * debits from it (a joint account needing two signatures cannot be set up paperless).
 */
export interface PayerAnswer extends BankDetails {
  accountHolderConfirmed: boolean;
}

/**
 * ShownInvite is what the payer's page shows before the payer gives bank details: the Instruction's
 * header (who collects, under which service user number and statement name, with how much notice)
 * and the reference.
 */
export interface ShownInvite {
  organisationName: string;
  /** Null while the organisation has none (see Organisation). */
  serviceUserNumber: string | null;
  bacsDisplayName: string | null;
  /** Working days before each payment the payer is told of it (Organisation). */
  advanceNoticeWorkingDays: number;
  payerName: string;
  mandateReference: string;
  expireTime: Date;
}

/** PayerInvitesOptions are the dependencies of PayerInvites. */
export interface PayerInvitesOptions {
  clock: Clock;
  links: InviteLinks;
  cipher: AccountNumberCipher;
  accounts: BankAccountCheck;
  /**
   * onCompleted runs in the transaction that completes an invite, after the mandate is changed (the
   * payer's confirmation of the Instruction). A throw undoes the completion.
   */
  onCompleted?: ((em: EntityManager, mandate: Mandate, now: Date) => Promise<void>) | undefined;
}

/** PayerInvites resends invites for the organisation and completes them for the payer. */
export class PayerInvites {
  constructor(private readonly options: PayerInvitesOptions) {}

  /** resend emails a new invite link; the previous one stops working. PENDING_CUSTOMER_APPROVAL only. */
  async resend(em: EntityManager, acting: Acting, id: string, reason: string): Promise<Mandate> {
    checkActionRequest(id, reason);
    const { links } = this.options;
    const now = this.options.clock.now();
    return em.transactional(async (tx) => {
      const mandate = await lockMandate(tx, id);
      refuseUnless(mandate, "resendInvite");
      const organisation = await tx.findOneOrFail(Organisation, acting.organisationId);
      const issued = await links.issue(tx, mandate, now);
      mandate.updateTime = now;
      recordAudit(tx, {
        ...acting,
        action: "mandate.resend_invite",
        target: mandate.id,
        outcome: "success",
        time: now,
      });
      await tx.flush();
      await links.send(mandate, organisation, issued);
      return mandate;
    });
  }

  /**
   * show returns what the payer's page shows for a live invite; it does not use the token up.
   * `em` is the public request's EntityManager, as for complete.
   */
  async show(em: EntityManager, token: string): Promise<ShownInvite> {
    if (token === "") throw new InvalidArgumentError([{ field: "invite_token", description: "is required" }]);
    const found = await findInvite(em, token);
    const now = this.options.clock.now();
    return withTenant(em, found.organisation.id, async (tx) => {
      const mandate = await tx.findOne(Mandate, { id: found.mandate.id });
      if (!mandate || !isLive(found, now) || "refusal" in planStep(mandate.state, "complete")) throw inviteGone();
      const organisation = await tx.findOneOrFail(Organisation, found.organisation.id);
      return {
        organisationName: organisation.name,
        serviceUserNumber: organisation.serviceUserNumber ?? null,
        bacsDisplayName: organisation.bacsDisplayName ?? null,
        advanceNoticeWorkingDays: organisation.advanceNoticeWorkingDays,
        payerName: mandate.payerName,
        mandateReference: mandate.reference,
        expireTime: found.expireTime,
      };
    });
  }

  /**
   * complete takes the payer's bank details and declaration for the invite whose token this is, and
   * moves the mandate to PENDING_SUBMISSION. `em` is the public request's EntityManager: it has no tenant
   * filter parameters, as there is no caller.
   */
  async complete(
    em: EntityManager,
    token: string,
    answer: PayerAnswer,
    clientAddress?: string,
  ): Promise<CompletedInvite> {
    const violations = bankDetailsViolations(answer, this.options.accounts);
    if (token === "") violations.unshift({ field: "invite_token", description: "is required" });
    if (!answer.accountHolderConfirmed) {
      violations.push({
        field: "account_holder_confirmed",
        description: "must be true: the payer confirms they hold the account and can authorise debits from it alone",
      });
    }
    if (violations.length > 0) throw new InvalidArgumentError(violations);
    const found = await findInvite(em, token);
    const organisationId = found.organisation.id;
    const now = this.options.clock.now();
    return withTenant(em, organisationId, async (tx) => {
      // Mandate first, then its invite: the order every other mandate change (cancel, resend) takes,
      // so a payer completing while the organisation acts waits instead of deadlocking.
      const mandate = await findLockedMandate(tx, found.mandate.id);
      if (!mandate || "refusal" in planStep(mandate.state, "complete")) throw inviteGone();
      const invite = await tx.findOne(MandateInvite, { id: found.id }, lockForChange());
      if (!invite || !isLive(invite, now)) throw inviteGone();
      invite.useTime = now;
      recordBankDetails(mandate, answer, this.options.cipher);
      mandate.inviteExpireTime = null;
      applyStateChange(
        tx,
        mandate,
        "PENDING_SUBMISSION",
        {
          cause: "PAYER",
          description:
            "The payer completed the invite with their bank details, confirming they hold the account and can authorise debits from it alone",
        },
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
        time: now,
      });
      await this.options.onCompleted?.(tx, mandate, now);
      const organisation = await tx.findOneOrFail(Organisation, organisationId);
      return { mandate, organisationName: organisation.name };
    });
  }
}

/** Unknown, used, expired, superseded: one answer, and never the token in a message or log. */
function inviteGone(): NotFoundError {
  return new NotFoundError("mandate invite", "(token)");
}

function isLive(invite: MandateInvite, now: Date): boolean {
  return !invite.useTime && !invite.supersedeTime && invite.expireTime > now;
}

/**
 * findInvite finds the invite whose token this is, in any organisation: the one lookup across
 * organisations, on purpose. The token is the payer's only credential and names no organisation. Its
 * digest is unique over all organisations and the token holds 256 random bits, so the lookup reveals
 * nothing the token does not already grant. Callers go on in a fork scoped to the invite's own
 * organisation.
 */
async function findInvite(em: EntityManager, token: string): Promise<MandateInvite> {
  if (!looksLikeLinkToken(token)) throw inviteGone();
  const found = await acrossTenants(em, "invite token lookup", (lookup) =>
    lookup.findOne(MandateInvite, { tokenDigest: linkTokenDigest(token) }, { filters: false }),
  );
  if (!found) throw inviteGone();
  return found;
}
