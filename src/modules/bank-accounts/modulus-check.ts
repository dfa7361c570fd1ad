/**
 * modulus-check.ts is Vocalink's modulus check of a UK sort code and account number ("Validating
 * account numbers", the specification behind valacdos.txt): each digit times a weight, summed, and
 * the total divisible by 10 or 11 (MOD10, MOD11) or, for the double-alternate method (DBLAL), the
 * digits of the products summed and divisible by 10. A sort code has no, one or two checks, and 14
 * numbered exceptions bend the rules for particular banks.
 *
 * It answers whether details could exist, not that they do: a pass means the account number is
 * well formed for the sort code. A sort code the tables do not cover cannot be checked and passes,
 * as the specification says: the bank decides.
 */
import type { ModulusTables, WeightRow } from "./modulus-tables.js";

/** ModulusOutcome is the answer: passed, failed, or not checkable (no rule for the sort code). */
export type ModulusOutcome = "passed" | "failed" | "not-checkable";

// Positions in the 14 digits "uvwxyz" (sort code) + "abcdefgh" (account number).
const a = 6;
const b = 7;
const c = 8;
const g = 12;
const h = 13;

// Exception 2 replaces the weights when a ≠ 0: these when g ≠ 9, the second when g = 9.
const exception2Weights = [0, 0, 1, 2, 5, 3, 6, 4, 8, 7, 10, 9, 3, 1];
const exception2WeightsG9 = [0, 0, 0, 0, 0, 0, 0, 0, 8, 7, 10, 9, 3, 1];

/**
 * modulusCheck checks `accountNumber` (8 digits) against `sortCode` (6 digits). With two checks
 * both must pass, except: exceptions 2 and 9 (the second runs only if the first fails), 10 and 11,
 * and 12 and 13 (either passing is enough).
 */
export function modulusCheck(tables: ModulusTables, sortCode: string, accountNumber: string): ModulusOutcome {
  if (!/^\d{6}$/.test(sortCode) || !/^\d{8}$/.test(accountNumber)) return "failed";
  const [first, second] = tables.rows.filter((row) => row.from <= sortCode && sortCode <= row.to);
  if (!first) return "not-checkable";
  const passes = (row: WeightRow) => checkPasses(row, tables, sortCode, accountNumber);
  const outcome = (passed: boolean): ModulusOutcome => (passed ? "passed" : "failed");
  if (!second) return outcome(passes(first));
  if (first.exception === 2 || first.exception === 10 || first.exception === 12) {
    return outcome(passes(first) || passes(second));
  }
  return outcome(passes(first) && passes(second));
}

/** checkPasses runs one row's check, with its exception. */
function checkPasses(row: WeightRow, tables: ModulusTables, sortCode: string, accountNumber: string): boolean {
  const digits = [...substitutedSortCode(row.exception, tables, sortCode), ...accountNumber].map(Number);
  const weights = [...row.weights];
  switch (row.exception) {
    case 2:
      if (digits[a] !== 0) weights.splice(0, 14, ...(digits[g] === 9 ? exception2WeightsG9 : exception2Weights));
      break;
    case 3:
      // c = 6 or 9: the double-alternate check is not made.
      if (digits[c] === 6 || digits[c] === 9) return true;
      break;
    case 6:
      // a = 4–8 and g = h: a foreign currency account, which cannot be checked.
      if (digits[a]! >= 4 && digits[a]! <= 8 && digits[g] === digits[h]) return true;
      break;
    case 7:
      if (digits[g] === 9) weights.fill(0, 0, 8);
      break;
    case 10: {
      const ab = `${digits[a]}${digits[b]}`;
      if ((ab === "09" || ab === "99") && digits[g] === 9) weights.fill(0, 0, 8);
      break;
    }
  }
  const total = weightedTotal(row, digits, weights) + (row.exception === 1 ? 27 : 0);
  switch (row.exception) {
    case 4:
      // The remainder must equal the two-digit check digit gh.
      return total % 11 === digits[g]! * 10 + digits[h]!;
    case 5:
      return exception5CheckDigitMatches(row, total, digits);
  }
  if (total % modulusOf(row) === 0) return true;
  if (row.exception === 14) {
    // Coutts: an account number ending in 0, 1 or 9 may carry that digit as a suffix. Drop it, shift
    // the rest right with a leading 0, and check again.
    if (digits[h] !== 0 && digits[h] !== 1 && digits[h] !== 9) return false;
    const shifted = [...digits.slice(0, 6), 0, ...digits.slice(6, 13)];
    return weightedTotal(row, shifted, weights) % 11 === 0;
  }
  return false;
}

/** The sort code the check uses: exception 5's substitution table, or 8's and 9's fixed ones. */
function substitutedSortCode(exception: number, tables: ModulusTables, sortCode: string): string {
  if (exception === 5) return tables.substitutions.get(sortCode) ?? sortCode;
  if (exception === 8) return "090126";
  if (exception === 9) return "309634";
  return sortCode;
}

function weightedTotal(row: WeightRow, digits: readonly number[], weights: readonly number[]): number {
  let total = 0;
  for (let i = 0; i < 14; i++) {
    const product = digits[i]! * weights[i]!;
    // Double alternate adds the digits of each product (16 counts 1 + 6).
    total += row.method === "DBLAL" ? Math.floor(product / 10) + (product % 10) : product;
  }
  return total;
}

function modulusOf(row: WeightRow): number {
  return row.method === "MOD11" ? 11 : 10;
}

/**
 * Exception 5 compares a check digit with the remainder instead of asking for 0: g for the MOD11
 * check (11 − remainder, where remainder 1 is always invalid), h for the DBLAL check (10 − remainder);
 * remainder 0 wants a check digit of 0.
 */
function exception5CheckDigitMatches(row: WeightRow, total: number, digits: readonly number[]): boolean {
  const modulus = modulusOf(row);
  const checkDigit = row.method === "MOD11" ? digits[g] : digits[h];
  const remainder = total % modulus;
  if (remainder === 0) return checkDigit === 0;
  if (modulus === 11 && remainder === 1) return false;
  return modulus - remainder === checkDigit;
}
