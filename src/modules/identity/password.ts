/**
 * password.ts hashes passwords with scrypt from node:crypto and checks them in constant time. The
 * stored form names its parameters, so the cost can be raised without breaking old hashes: they
 * still verify with their own parameters, and sign-in rehashes them at the current cost
 * (needsRehash).
 */
import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from "node:crypto";

/**
 * OWASP's scrypt cost (Password Storage Cheat Sheet): N=2^17, r=8, p=1. One hash takes 128 MiB
 * (128·N·r bytes) and about 0.3–1 s of one libuv thread; libuv's pool (4 threads) bounds how many run
 * at once, and the per-address and per-email sign-in throttles bound how often anyone can ask.
 */
/** Shortest password accepted for a new or changed password, in characters. */
export const minPasswordLength = 12;
/** Longest password accepted, in UTF-8 bytes: scrypt over more is CPU for the asking. */
export const maxPasswordBytes = 1024;

/**
 * newPasswordProblem says what is wrong with a password chosen for an account (a changed password,
 * a new user's first one), or undefined when it may be used: one policy for every way of setting one.
 */
export function newPasswordProblem(password: string): string | undefined {
  if (password.length < minPasswordLength) return `must be at least ${minPasswordLength} characters`;
  if (Buffer.byteLength(password, "utf8") > maxPasswordBytes) return `must be at most ${maxPasswordBytes} bytes`;
  return undefined;
}

/**
 * noPassword is the stored hash of a user who has no password yet (added by an admin, welcome link
 * not followed): it is no hash at all, so verifyPassword refuses every password against it, and
 * checkPassword still spends one hash at today's cost on it (needsRehash), as long as on any other.
 */
export const noPassword = "";

export const currentPasswordCost = { N: 2 ** 17, r: 8, p: 1 } as const;
const keyLength = 32;

/** Parameters a stored hash may name: anything outside is refused unchecked, never computed. */
const costBounds = { maxLog2N: 20, maxR: 32, maxP: 16 };

type Cost = { N: number; r: number; p: number };

function derive(password: string, salt: Buffer, cost: Cost): Promise<Buffer> {
  // maxmem must exceed scrypt's 128·N·r bytes (Node's default, 32 MiB, refuses N=2^17, r=8).
  const options: ScryptOptions = { ...cost, maxmem: 2 * 128 * cost.N * cost.r };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize("NFKC"), salt, keyLength, options, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

/** hashPassword returns "scrypt$N$r$p$salt$hash" (base64url parts) at the current cost. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const { N, r, p } = currentPasswordCost;
  const hash = await derive(password, salt, currentPasswordCost);
  return ["scrypt", N, r, p, salt.toString("base64url"), hash.toString("base64url")].join("$");
}

interface StoredHash {
  cost: Cost;
  salt: Buffer;
  hash: Buffer;
}

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 1 && (n & (n - 1)) === 0;
}

/** parse reads a stored hash; undefined when it is malformed or names a cost out of bounds. */
function parse(stored: string): StoredHash | undefined {
  const [scheme, n, r, p, salt, hash, ...rest] = stored.split("$");
  if (scheme !== "scrypt" || !n || !r || !p || !salt || !hash || rest.length > 0) return undefined;
  const cost = { N: Number(n), r: Number(r), p: Number(p) };
  if (!isPowerOfTwo(cost.N) || cost.N > 2 ** costBounds.maxLog2N) return undefined;
  if (!Number.isInteger(cost.r) || cost.r < 1 || cost.r > costBounds.maxR) return undefined;
  if (!Number.isInteger(cost.p) || cost.p < 1 || cost.p > costBounds.maxP) return undefined;
  return { cost, salt: Buffer.from(salt, "base64url"), hash: Buffer.from(hash, "base64url") };
}

/** verifyPassword is true when the password matches the stored hash; false for any malformed hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parse(stored);
  if (!parsed) return false;
  const actual = await derive(password, parsed.salt, parsed.cost);
  return actual.length === parsed.hash.length && timingSafeEqual(actual, parsed.hash);
}

/** needsRehash is true when a stored hash was made at less than the current cost (or cannot be read). */
function needsRehash(stored: string): boolean {
  const parsed = parse(stored);
  if (!parsed) return true;
  const { N, r, p } = currentPasswordCost;
  return parsed.cost.N < N || parsed.cost.r < r || parsed.cost.p < p;
}

export interface PasswordCheck {
  matches: boolean;
  /** The password hashed at today's cost, when the stored hash was below it. Store it only if it matches. */
  upgraded?: string;
}

/**
 * checkPassword verifies a password for sign-in. When the stored hash is below today's cost it also
 * hashes the password at today's cost, at the same time and whether it matches or not: the check then
 * takes as long as the decoy an unknown email is checked against, where a cheap old hash alone would
 * answer faster and tell that the email has an account. A match stores the new hash (the password is
 * at hand only now).
 */
export async function checkPassword(password: string, stored: string): Promise<PasswordCheck> {
  const [matches, upgraded] = await Promise.all([
    verifyPassword(password, stored),
    needsRehash(stored) ? hashPassword(password) : undefined,
  ]);
  return { matches, upgraded };
}

/**
 * A hash of a password nobody knows: sign-in checks it when the email is unknown, so an unknown
 * email takes as long as a wrong password and the two cannot be told apart by timing.
 */
export const decoyPasswordHash = hashPassword(randomBytes(24).toString("base64url"));
