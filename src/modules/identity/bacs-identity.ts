/**
 * bacs-identity.ts checks an organisation's Bacs identity: the service user number (SUN) its sponsor
 * bank assigned, and the name payers see for it on their bank statement and on the Direct Debit
 * Instruction. Live organisations need both before anything reaches Bacs; sandbox ones never reach
 * Bacs, so they may go without a SUN and get a display name made from their own name.
 */
import type { FieldViolation } from "../errors.js";

/**
 * bacsDisplayNameMaxLength is 18 because Bacs carries the service user's name in an 18-character
 * field of every Standard 18 payment record (the "user's name"), and that field is what the payer's
 * bank prints on the statement beside each collection: a longer name would be cut by Bacs, so payers
 * would see something other than what the Instruction told them.
 */
export const bacsDisplayNameMaxLength = 18;

const serviceUserNumberPattern = /^\d{6}$/;
/** The Bacs character set (upper case once stored); checked before upper-casing, so "ß" cannot sneak in as "SS". */
const displayNamePattern = /^[A-Za-z0-9 &\-./]+$/;

/** BacsIdentity is what an organisation shows payers; null where it has none yet. */
export interface BacsIdentity {
  serviceUserNumber: string | null;
  bacsDisplayName: string | null;
}

/** serviceUserNumberProblem says what is wrong with a SUN (already trimmed), or undefined when it is valid. */
export function serviceUserNumberProblem(sun: string): string | undefined {
  return serviceUserNumberPattern.test(sun) ? undefined : "must be exactly 6 digits";
}

/**
 * bacsDisplayNameProblem says what is wrong with a display name as given (before
 * normaliseBacsDisplayName), or undefined when it is valid: 1–18 characters of A–Z (either case),
 * 0–9, space and & - . /, at least one of them a letter or digit, once trimmed.
 */
export function bacsDisplayNameProblem(raw: string): string | undefined {
  const name = raw.trim();
  if (name.length === 0 || name.length > bacsDisplayNameMaxLength || !displayNamePattern.test(name)) {
    return `must be 1 to ${bacsDisplayNameMaxLength} characters: A-Z, 0-9, space and & - . /`;
  }
  if (!/[A-Za-z0-9]/.test(name)) return "must hold a letter or a digit";
  return undefined;
}

/** normaliseBacsDisplayName is a valid display name as stored: trimmed and upper-cased, as Bacs prints it. */
export function normaliseBacsDisplayName(raw: string): string {
  return raw.trim().toUpperCase();
}

/**
 * bacsDisplayNameFrom makes a display name from an organisation's name, for sandbox organisations
 * created without one: accents dropped, every run of other characters outside the Bacs set made one
 * space, upper-cased, cut to 18 characters. "Café Lettings (North) Ltd" → "CAFE LETTINGS NORT". A name
 * with no letter or digit in the set gives "SANDBOX".
 */
export function bacsDisplayNameFrom(name: string): string {
  const made = name
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .replace(/[^A-Za-z0-9&\-./]+/g, " ")
    .trim()
    .toUpperCase()
    .slice(0, bacsDisplayNameMaxLength)
    .trim();
  return bacsDisplayNameProblem(made) === undefined ? made : "SANDBOX";
}

/**
 * bacsIdentityViolations lists what is wrong with a Bacs identity as given, by request field name
 * (`service_user_number`, `bacs_display_name`). Undefined means not given, which only a sandbox
 * organisation may be.
 */
export function bacsIdentityViolations(input: {
  sandbox: boolean;
  serviceUserNumber?: string | undefined;
  bacsDisplayName?: string | undefined;
}): FieldViolation[] {
  const violations: FieldViolation[] = [];
  const required = "is required for a live organisation";
  if (input.serviceUserNumber === undefined) {
    if (!input.sandbox) violations.push({ field: "service_user_number", description: required });
  } else {
    const problem = serviceUserNumberProblem(input.serviceUserNumber.trim());
    if (problem) violations.push({ field: "service_user_number", description: problem });
  }
  if (input.bacsDisplayName === undefined) {
    if (!input.sandbox) violations.push({ field: "bacs_display_name", description: required });
  } else {
    const problem = bacsDisplayNameProblem(input.bacsDisplayName);
    if (problem) violations.push({ field: "bacs_display_name", description: problem });
  }
  return violations;
}
