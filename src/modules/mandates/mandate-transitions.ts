/**
 * mandate-transitions.ts moves mandates through their lifecycle (mandate-lifecycle.ts) for whoever
 * drives the change: the organisation (cancel, suspend, reactivate), Bacs processing and its reports
 * (submit, activate, fail, cancel, expire) and the sandbox, which also completes mandates without an
 * invite. Each change runs in one transaction with the mandate row locked, and records the state
 * change, its notification and its audit event in the same flush; a change that closes the mandate
 * runs the onClosed hook in it too. A transfer (ADDACS: the payer's account moved) changes the bank
 * details and no state, recorded the same way (mandate-transfer.ts).
 */
import type { EntityManager } from "@mikro-orm/postgresql";
import type { Clock } from "../../platform/clock.js";
import type { BankAccountCheck } from "../bank-accounts/account-check.js";
import { type FieldViolation, InvalidArgumentError } from "../errors.js";
import type { Acting } from "../identity/acting.js";
import { recordAudit } from "../identity/audit-log.js";
import type { AccountNumberCipher } from "./account-number-cipher.js";
import { type BankDetails, bankDetailsViolations, recordBankDetails } from "./bank-details.js";
import type { InviteLinks } from "./invite-links.js";
import { lockMandate, refuseUnless } from "./locked-mandate.js";
import type { Mandate } from "./mandate.entity.js";
import { checkActionRequest } from "./mandate-fields.js";
import { closedStates, type MandateAction } from "./mandate-lifecycle.js";
import { applyStateChange, notificationType, type StateChange } from "./mandate-state-change.js";
import { type AccountTransfer, applyTransfer, type TransferReport, transferViolations } from "./mandate-transfer.js";

/** The actions Bacs processing, Bacs reports and the sandbox take (not the organisation). */
export type ExternalAction = Extract<MandateAction, "submit" | "activate" | "fail" | "cancel" | "expire">;

/** MandateTransitionsOptions are the dependencies of MandateTransitions. */
export interface MandateTransitionsOptions {
  clock: Clock;
  /** Voids the open invite links of a mandate that leaves PENDING_CUSTOMER_APPROVAL. */
  links: InviteLinks;
  cipher: AccountNumberCipher;
  accounts: BankAccountCheck;
  /** onCompleted runs in the transaction that completes a mandate without an invite (the sandbox). */
  onCompleted?: ((em: EntityManager, mandate: Mandate, now: Date) => Promise<void>) | undefined;
  /**
   * onClosed runs in the transaction that moves a mandate to CANCELLED, FAILED or EXPIRED, so what
   * depends on the mandate closes with it (collections: its schedules and pending collections).
   */
  onClosed?: ((em: EntityManager, mandate: Mandate, now: Date) => Promise<void>) | undefined;
}

const organisationActions = { cancel: "Cancelled", suspend: "Suspended", reactivate: "Reactivated" } as const;

/** MandateTransitions changes the state of mandates on a tenant-scoped EntityManager. */
export class MandateTransitions {
  constructor(private readonly options: MandateTransitionsOptions) {}

  /** cancel: any state but CANCELLED, FAILED and EXPIRED → CANCELLED; an open invite stops working. */
  cancel(em: EntityManager, acting: Acting, id: string, reason: string): Promise<Mandate> {
    return this.byOrganisation(em, acting, id, "cancel", reason);
  }

  /** suspend: ACTIVE → SUSPENDED. */
  suspend(em: EntityManager, acting: Acting, id: string, reason: string): Promise<Mandate> {
    return this.byOrganisation(em, acting, id, "suspend", reason);
  }

  /** reactivate: SUSPENDED → ACTIVE only; a closed mandate needs the payer's fresh authority. */
  reactivate(em: EntityManager, acting: Acting, id: string, reason: string): Promise<Mandate> {
    return this.byOrganisation(em, acting, id, "reactivate", reason);
  }

  /**
   * applyExternal records a change that Bacs processing, a Bacs report or the sandbox makes (not
   * the organisation): submit, activate, fail (AUDDIS), cancel (ADDACS), expire (dormancy).
   */
  async applyExternal(
    em: EntityManager,
    acting: Acting,
    id: string,
    action: ExternalAction,
    change: StateChange,
  ): Promise<Mandate> {
    const now = this.options.clock.now();
    return em.transactional(async (tx) => {
      const mandate = await lockMandate(tx, id);
      const to = refuseUnless(mandate, action);
      if (mandate.state === "PENDING_CUSTOMER_APPROVAL") await this.options.links.supersede(tx, mandate, now);
      applyStateChange(tx, mandate, to, change, notificationType(mandate.state, to), now);
      await this.closed(tx, mandate, now);
      recordAudit(tx, { ...acting, action: `mandate.${action}`, target: mandate.id, outcome: "success", time: now });
      return mandate;
    });
  }

  /**
   * transfer moves an ACTIVE or SUSPENDED mandate to new bank details, as the payer's bank reports
   * through ADDACS ("3" or "C" with the new sort code and account number): no new authority, same
   * state, schedules untouched; collections not yet submitted go to Bacs with the new details, as
   * every submission reads them from the mandate. Refusals, cheapest first: details that fail the
   * checks (INVALID_ARGUMENT naming sort_code, account_number or account_holder_name), no such
   * mandate (NOT_FOUND), another state (FAILED_PRECONDITION MANDATE_NOT_ACTIVE), the account the
   * mandate already uses (INVALID_ARGUMENT naming account_number). The details, the
   * `mandate.transferred` notification and the audit event are written together, or nothing is.
   */
  async transfer(
    em: EntityManager,
    acting: Acting,
    id: string,
    transfer: AccountTransfer,
    report: TransferReport,
  ): Promise<Mandate> {
    const violations = this.transferViolations(transfer);
    if (violations.length > 0) throw new InvalidArgumentError(violations);
    const now = this.options.clock.now();
    return em.transactional(async (tx) => {
      const mandate = await lockMandate(tx, id);
      refuseUnless(mandate, "transfer");
      applyTransfer(tx, mandate, transfer, report, this.options.cipher, now);
      recordAudit(tx, { ...acting, action: "mandate.transfer", target: mandate.id, outcome: "success", time: now });
      return mandate;
    });
  }

  /** transferViolations checks new details as transfer() does, for callers that name the fields their own way. */
  transferViolations(transfer: AccountTransfer): FieldViolation[] {
    return transferViolations(transfer, this.options.accounts);
  }

  /**
   * completeWithoutInvite is the payer's completion for the sandbox simulators, which have no
   * invite token: PENDING_CUSTOMER_APPROVAL → PENDING_SUBMISSION with the given (test) bank
   * details; open invite links stop working. `em` is scoped to the mandate's organisation; the
   * caller (SandboxService) has checked that it is a sandbox organisation.
   */
  async completeWithoutInvite(
    em: EntityManager,
    acting: Acting,
    id: string,
    details: BankDetails,
    change: StateChange,
  ): Promise<Mandate> {
    const violations = bankDetailsViolations(details, this.options.accounts);
    if (violations.length > 0) throw new InvalidArgumentError(violations);
    const now = this.options.clock.now();
    return em.transactional(async (tx) => {
      const mandate = await lockMandate(tx, id);
      const to = refuseUnless(mandate, "complete");
      await this.options.links.supersede(tx, mandate, now);
      recordBankDetails(mandate, details, this.options.cipher);
      applyStateChange(tx, mandate, to, change, notificationType(mandate.state, to), now);
      recordAudit(tx, { ...acting, action: "mandate.complete", target: mandate.id, outcome: "success", time: now });
      await this.options.onCompleted?.(tx, mandate, now);
      return mandate;
    });
  }

  private async closed(em: EntityManager, mandate: Mandate, now: Date): Promise<void> {
    if (closedStates.has(mandate.state) && this.options.onClosed) await this.options.onClosed(em, mandate, now);
  }

  private async byOrganisation(
    em: EntityManager,
    acting: Acting,
    id: string,
    action: keyof typeof organisationActions,
    reason: string,
  ): Promise<Mandate> {
    checkActionRequest(id, reason);
    const now = this.options.clock.now();
    return em.transactional(async (tx) => {
      const mandate = await lockMandate(tx, id);
      const from = mandate.state;
      const to = refuseUnless(mandate, action);
      if (from === "PENDING_CUSTOMER_APPROVAL") await this.options.links.supersede(tx, mandate, now);
      const said = reason.trim() === "" ? "" : `: ${reason.trim()}`;
      const description = `${organisationActions[action]} by the organisation${said}`;
      applyStateChange(tx, mandate, to, { cause: "ORGANISATION", description }, notificationType(from, to), now);
      await this.closed(tx, mandate, now);
      recordAudit(tx, { ...acting, action: `mandate.${action}`, target: mandate.id, outcome: "success", time: now });
      return mandate;
    });
  }
}
