/**
 * account-check.ts checks a UK sort code and account number before anything is stored or lodged:
 * first their shape (digits, length, and the placeholders people type to get past a form), then
 * Vocalink's modulus check, which catches most mistyped account numbers now instead of days later
 * as an AUDDIS rejection.
 */
import type { FieldViolation } from "../errors.js";
import { modulusCheck } from "./modulus-check.js";
import type { ModulusTables } from "./modulus-tables.js";

/** AccountCheck is what checking found: one violation per bad field, and whether the modulus check could run. */
export interface AccountCheck {
  violations: FieldViolation[];
  /** False when Vocalink's tables have no rule for the sort code: the bank alone can tell. */
  modulusChecked: boolean;
}

/** BankAccountCheck checks sort codes and account numbers against one version of the modulus tables. */
export class BankAccountCheck {
  constructor(private readonly tables: ModulusTables) {}

  /** check names `sort_code` or `account_number` for what is wrong with them. */
  check(sortCode: string, accountNumber: string): AccountCheck {
    const violations: FieldViolation[] = [];
    const sortCodeProblem = digitsProblem(sortCode, 6);
    if (sortCodeProblem) violations.push({ field: "sort_code", description: sortCodeProblem });
    const accountNumberProblem = digitsProblem(accountNumber, 8);
    if (accountNumberProblem) violations.push({ field: "account_number", description: accountNumberProblem });
    if (violations.length > 0) return { violations, modulusChecked: false };
    const outcome = modulusCheck(this.tables, sortCode, accountNumber);
    if (outcome === "failed") {
      // The check cannot tell which of the two is wrong; the account number is the likelier typo.
      violations.push({
        field: "account_number",
        description: `does not match sort code ${sortCode.replace(/(\d\d)(?=\d)/g, "$1-")}: check both numbers`,
      });
    }
    return { violations, modulusChecked: outcome !== "not-checkable" };
  }
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
