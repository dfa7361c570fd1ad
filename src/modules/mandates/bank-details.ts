/**
 * bank-details.ts checks the bank details a payer types into the invite page before anything is
 * stored. Without the Vocalink modulus tables (licensed data) these are shape checks that catch
 * typing mistakes and placeholder values: digits only, the right length, not one digit repeated,
 * not a run like 12345678. Details that pass are recorded on the mandate with the account number
 * sealed (account-number-cipher.ts).
 */
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
export function bankDetailsViolations(details: BankDetails): FieldViolation[] {
  const violations: FieldViolation[] = [];
  checkName(details.accountHolderName, "account_holder_name", violations);
  if (!/[\p{L}]/u.test(details.accountHolderName) && violations.length === 0) {
    violations.push({ field: "account_holder_name", description: "must contain a letter" });
  }
  const sortCode = digitsProblem(details.sortCode, 6);
  if (sortCode) violations.push({ field: "sort_code", description: sortCode });
  const accountNumber = digitsProblem(details.accountNumber, 8);
  if (accountNumber) violations.push({ field: "account_number", description: accountNumber });
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

function digitsProblem(value: string, length: number): string | undefined {
  if (!new RegExp(`^\\d{${length}}$`).test(value)) return `must be exactly ${length} digits, no spaces or dashes`;
  if (new Set(value).size === 1) return "must not be one digit repeated";
  if (isRun(value)) return "must not be a run of consecutive digits";
  return undefined;
}

// 12345678, 87654321 and the like: typed to get past a form, never a real account.
function isRun(value: string): boolean {
  const steps = new Set<number>();
  for (let i = 1; i < value.length; i++) steps.add(value.charCodeAt(i) - value.charCodeAt(i - 1));
  return steps.size === 1 && (steps.has(1) || steps.has(-1));
}
