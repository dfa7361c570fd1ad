/**
 * bacs-reference.ts checks and makes mandate references: what the payer sees on their bank statement
 * beside every collection, so Bacs limits both its characters and its length.
 */
import { randomInt } from "node:crypto";

const allowed = /^[A-Z0-9 &\-./]{6,18}$/;
// Crockford base32 without I, L, O, U: a generated reference can be read back over the phone.
const generatedAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** normaliseReference upper-cases a reference as the contract says (lower case is accepted). */
export function normaliseReference(raw: string): string {
  return raw.toUpperCase();
}

/**
 * referenceProblem returns what is wrong with a normalised reference, or undefined when it is valid:
 * 6–18 characters of A–Z, 0–9, space and & - . /, at least 6 letters or digits, not all one character,
 * not starting with DDIC (Bacs marks its indemnity claims so; a reference like it would confuse them).
 */
export function referenceProblem(reference: string): string | undefined {
  if (!allowed.test(reference)) return "must be 6 to 18 characters: A-Z, 0-9, space and & - . /";
  if ((reference.match(/[A-Z0-9]/g) ?? []).length < 6) return "must hold at least 6 letters or digits";
  if (new Set(reference).size === 1) return "must not be one character repeated";
  if (reference.startsWith("DDIC")) return "must not start with DDIC";
  if (reference !== reference.trim()) return "must not start or end with a space";
  return undefined;
}

/** generateReference makes a fresh reference: "DD-" and 10 random base32 characters (50 bits). */
export function generateReference(): string {
  let out = "DD-";
  for (let i = 0; i < 10; i++) out += generatedAlphabet.charAt(randomInt(generatedAlphabet.length));
  return out;
}
