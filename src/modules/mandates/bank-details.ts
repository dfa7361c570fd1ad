/**
 * bank-details.ts checks the bank details a payer gives before anything is stored: the account
 * holder's name here, the sort code and account number by BankAccountCheck (shape and Vocalink's
 * modulus check). Details that pass are recorded on the mandate with the account number sealed
 * (account-number-cipher.ts).
 */
import type { BankAccountCheck } from "../bank-accounts/account-check.js";
import type { FieldViolation } from "../errors.js";
import type { AccountNumberCipher } from "./account-number-cipher.js";
import type { Mandate } from "./mandate.entity.js";
import { checkName } from "./mandate-fields.js";

/** BankDetails are what the payer gives: holder name, 6-digit sort code, 8-digit account number. */
export interface BankDetails {
  accountHolderName: string;
  sortCode: string;
  accountNumber: string;
}

/** bankDetailsViolations returns one violation per bad field, named as in CompleteMandateInviteRequest. */
export function bankDetailsViolations(details: BankDetails, accounts: BankAccountCheck): FieldViolation[] {
  return [
    ...holderNameViolations(details.accountHolderName),
    ...accounts.check(details.sortCode, details.accountNumber).violations,
  ];
}

/** holderNameViolations checks an account holder's name: 1–140 characters, a letter, no control characters. */
export function holderNameViolations(name: string): FieldViolation[] {
  const violations: FieldViolation[] = [];
  checkName(name, "account_holder_name", violations);
  if (!/[\p{L}]/u.test(name) && violations.length === 0) {
    violations.push({ field: "account_holder_name", description: "must contain a letter" });
  }
  return violations;
}

/**
 * recordBankDetails puts checked details on the mandate: the holder name trimmed, the sort code, and
 * the account number sealed, with only its last 2 digits kept readable for display.
 */
export function recordBankDetails(mandate: Mandate, details: BankDetails, cipher: AccountNumberCipher): void {
  mandate.accountHolderName = details.accountHolderName.trim();
  mandate.sortCode = details.sortCode;
  mandate.accountNumberEnding = details.accountNumber.slice(-2);
  mandate.accountNumberCiphertext = cipher.seal(details.accountNumber, mandate.id);
}
