/**
 * mandate-transfer.ts moves a loaded mandate to new bank details without a new authority: the
 * payer's bank reports through ADDACS ("3" or "C", with the new sort code and account number) that
 * the account, and the Direct Debit Instruction with it, moved (a switch through the Current Account
 * Switch Service, or the bank moving the account). The payer's authority travels with the account,
 * so the mandate keeps its state and its schedules; only the details change, checked as the payer's
 * are (bank-details.ts) and recorded the same way: the account number sealed, the sort code and the
 * last 2 digits readable.
 *
 * What is recorded, in the caller's unit of work: the new details and update_time on the row, and a
 * `mandate.transferred` notification with the ADDACS reason code (the mandate's history, shown on
 * its page and in the feed). The audit event is the caller's (MandateTransitions.transfer).
 *
 * Why the mandate's last state change is left as it was: it is documented (mandates.proto,
 * MandateStateChange) as "the change that put a mandate in its current state", and a transfer puts
 * it in no state. Overwriting it would lie twice: a SUSPENDED mandate would read "suspended, cause
 * BACS_ADDACS", losing the organisation's reason for the suspension; and Bacs processing reads
 * last_change_time as the moment the state began (mandate-expiry.ts counts the 13 dormant months
 * from the activation), so a transfer, which collects nothing, would restart the dormancy clock.
 * The transfer is in the feed with its reason code instead, as every other event about a mandate is.
 */
import type { EntityManager } from "@mikro-orm/postgresql";
import type { BankAccountCheck } from "../bank-accounts/account-check.js";
import { type FieldViolation, InvalidArgumentError } from "../errors.js";
import { recordNotification } from "../notifications/notifications.js";
import type { AccountNumberCipher } from "./account-number-cipher.js";
import { holderNameViolations, recordBankDetails } from "./bank-details.js";
import type { Mandate } from "./mandate.entity.js";
import type { StateChange } from "./mandate-state-change.js";

/** AccountTransfer is what a transfer report gives: the new sort code and account number, maybe a new holder name. */
export interface AccountTransfer {
  sortCode: string;
  accountNumber: string;
  /** The account holder's name on the new account; the mandate keeps its current one when absent. */
  accountHolderName?: string | undefined;
}

/** TransferReport says why the details moved: the ADDACS reason code and a sentence (its meaning). */
export type TransferReport = Pick<StateChange, "reasonCode" | "description">;

/** The notification type of a transfer, for the feed (NOTIFICATION_TYPE_MANDATE_TRANSFERRED). */
export const transferredNotificationType = "mandate.transferred";

/**
 * transferViolations checks new details as the payer's are checked: the holder name when given, the
 * sort code and account number by their shape and Vocalink's modulus check. Fields are named
 * `account_holder_name`, `sort_code` and `account_number`.
 */
export function transferViolations(transfer: AccountTransfer, accounts: BankAccountCheck): FieldViolation[] {
  return [
    ...(transfer.accountHolderName === undefined ? [] : holderNameViolations(transfer.accountHolderName)),
    ...accounts.check(transfer.sortCode, transfer.accountNumber).violations,
  ];
}

/**
 * applyTransfer puts checked new details on `mandate` (ACTIVE or SUSPENDED, locked by the caller)
 * and adds the `mandate.transferred` notification. Details equal to the current ones are refused
 * (INVALID_ARGUMENT naming account_number): a transfer moves the instruction to another account.
 */
export function applyTransfer(
  em: EntityManager,
  mandate: Mandate,
  transfer: AccountTransfer,
  report: TransferReport,
  cipher: AccountNumberCipher,
  now: Date,
): void {
  if (isCurrentAccount(mandate, transfer, cipher)) {
    throw InvalidArgumentError.field(
      "account_number",
      "is the account the mandate already uses: a transfer moves it to another account",
    );
  }
  const from = `sort code ${dashed(mandate.sortCode ?? "")}, account ending ${mandate.accountNumberEnding ?? ""}`;
  recordBankDetails(
    mandate,
    {
      accountHolderName: transfer.accountHolderName ?? mandate.accountHolderName ?? "",
      sortCode: transfer.sortCode,
      accountNumber: transfer.accountNumber,
    },
    cipher,
  );
  mandate.updateTime = now;
  const to = `sort code ${dashed(mandate.sortCode ?? "")}, account ending ${mandate.accountNumberEnding ?? ""}`;
  const state = mandate.state.toLowerCase().replace(/_/g, " ");
  recordNotification(em, {
    organisationId: mandate.organisation.id,
    type: transferredNotificationType,
    resourceType: "mandate",
    resourceId: mandate.id,
    mandateId: mandate.id,
    reasonCode: report.reasonCode,
    message: `Mandate ${mandate.id} (reference ${mandate.reference}) moved from ${from} to ${to} and stays ${state}: ${report.description}`,
    time: now,
  });
}

function isCurrentAccount(mandate: Mandate, transfer: AccountTransfer, cipher: AccountNumberCipher): boolean {
  if (mandate.sortCode !== transfer.sortCode || mandate.accountNumberEnding !== transfer.accountNumber.slice(-2))
    return false;
  const sealed = mandate.accountNumberCiphertext;
  return typeof sealed === "string" && cipher.open(sealed, mandate.id) === transfer.accountNumber;
}

/** dashed shows a sort code as people write it: 20-00-00. */
function dashed(sortCode: string): string {
  return sortCode.replace(/(\d\d)(?=\d)/g, "$1-");
}
