/**
 * password.ts hashes passwords with scrypt from node:crypto and checks them in constant time. The
 * stored form names its parameters, so the cost can be raised without breaking old hashes: they
 * still verify with their own parameters, and sign-in rehashes them at the current cost
 * (needsRehash).
 */
import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from "node:crypto";

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
 * PasswordHasher.check still spends one hash at today's cost on it (needsRehash), as long as on any other.
 */
export const noPassword = "";

/**
 * OWASP's scrypt cost (Password Storage Cheat Sheet): N=2^17, r=8, p=1, what the service hashes at.
 * One hash takes 128 MiB (128·N·r bytes) and about 0.3–1 s of one libuv thread; libuv's pool (4
 * threads) bounds how many run at once, and the per-address and per-email sign-in throttles bound
 * how often anyone can ask.
 */
export const currentPasswordCost: PasswordCost = { N: 2 ** 17, r: 8, p: 1 };
const keyLength = 32;

/** Parameters a stored hash may name: anything outside is refused unchecked, never computed. */
const costBounds = { maxLog2N: 20, maxR: 32, maxP: 16 };

/** PasswordCost is scrypt's work factor: N (CPU and memory, a power of two), r (block size), p (parallelism). */
export interface PasswordCost {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

function derive(password: string, salt: Buffer, cost: PasswordCost): Promise<Buffer> {
  // maxmem must exceed scrypt's 128·N·r bytes (Node's default, 32 MiB, refuses N=2^17, r=8).
  const options: ScryptOptions = { ...cost, maxmem: 2 * 128 * cost.N * cost.r };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize("NFKC"), salt, keyLength, options, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

interface StoredHash {
  cost: PasswordCost;
  salt: Buffer;
  hash: Buffer;
}

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 1 && (n & (n - 1)) === 0;
}

/** isNameable says whether a stored hash may name `cost` (costBounds). */
function isNameable({ N, r, p }: PasswordCost): boolean {
  const inRange = (n: number, max: number) => Number.isInteger(n) && n >= 1 && n <= max;
  return isPowerOfTwo(N) && N <= 2 ** costBounds.maxLog2N && inRange(r, costBounds.maxR) && inRange(p, costBounds.maxP);
}

/** parse reads a stored hash; undefined when it is malformed or names a cost out of bounds. */
function parse(stored: string): StoredHash | undefined {
  const [scheme, n, r, p, salt, hash, ...rest] = stored.split("$");
  if (scheme !== "scrypt" || !n || !r || !p || !salt || !hash || rest.length > 0) return undefined;
  const cost = { N: Number(n), r: Number(r), p: Number(p) };
  if (!isNameable(cost)) return undefined;
  return { cost, salt: Buffer.from(salt, "base64url"), hash: Buffer.from(hash, "base64url") };
}

/** verifyPassword is true when the password matches the stored hash; false for any malformed hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parse(stored);
  if (!parsed) return false;
  const actual = await derive(password, parsed.salt, parsed.cost);
  return actual.length === parsed.hash.length && timingSafeEqual(actual, parsed.hash);
}

/** needsRehash is true when a stored hash was made at less than `cost` (or cannot be read). */
function needsRehash(stored: string, cost: PasswordCost): boolean {
  const parsed = parse(stored);
  if (!parsed) return true;
  return parsed.cost.N < cost.N || parsed.cost.r < cost.r || parsed.cost.p < cost.p;
}

export interface PasswordCheck {
  matches: boolean;
  /** The password hashed at today's cost, when the stored hash was below it. Store it only if it matches. */
  upgraded?: string;
}

/**
 * PasswordHasher hashes new passwords at one cost, currentPasswordCost unless told otherwise: a test
 * server hashes at a far lower one, as a second of CPU a sign-in would make the suite minutes slower
 * (password, password-cost, sign-in-races and sign-in-timing tests run the service's own).
 */
export class PasswordHasher {
  private decoy: Promise<string> | undefined;

  constructor(readonly cost: PasswordCost = currentPasswordCost) {
    // A cost parse() refuses would store hashes nobody could ever sign in with.
    if (!isNameable(cost))
      throw new RangeError(`scrypt cost N=${cost.N}, r=${cost.r}, p=${cost.p} is outside what stored hashes may name`);
  }

  /** hash returns "scrypt$N$r$p$salt$hash" (base64url parts) at this hasher's cost. */
  async hash(password: string): Promise<string> {
    const salt = randomBytes(16);
    const { N, r, p } = this.cost;
    const hash = await derive(password, salt, this.cost);
    return ["scrypt", N, r, p, salt.toString("base64url"), hash.toString("base64url")].join("$");
  }

  /**
   * check verifies a password for sign-in. When the stored hash is below this cost it also hashes
   * the password at this cost, at the same time and whether it matches or not: the check then takes
   * as long as the decoy an unknown email is checked against, where a cheap old hash alone would
   * answer faster and tell that the email has an account. A match stores the new hash (the password
   * is at hand only now).
   */
  async check(password: string, stored: string): Promise<PasswordCheck> {
    const [matches, upgraded] = await Promise.all([
      verifyPassword(password, stored),
      needsRehash(stored, this.cost) ? this.hash(password) : undefined,
    ]);
    return { matches, upgraded };
  }

  /**
   * decoyHash is a hash of a password nobody knows, at this cost: sign-in checks it when the email is
   * unknown, so an unknown email takes as long as a wrong password and the two cannot be told apart
   * by timing. Made once, on first call: App.start awaits it, so no sign-in waits on it.
   */
  decoyHash(): Promise<string> {
    this.decoy ??= this.hash(randomBytes(24).toString("base64url"));
    return this.decoy;
  }
}
