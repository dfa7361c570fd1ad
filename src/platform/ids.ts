import { randomBytes } from "node:crypto";

/** Crockford base32: no I, L, O, U; in ASCII order, so encoded strings sort like the numbers they encode. */
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const TIME_CHARS = 10; // 50 bits ≥ 48-bit millisecond time
const RANDOM_CHARS = 16; // 80 random bits
const MAX_TIME = 2 ** 48 - 1;
const PREFIX = /^[A-Z]{2}$/;

/** ID_LENGTH is the length of every id newId returns (2-letter prefix + 26 characters), for column sizes. */
export const ID_LENGTH = 2 + TIME_CHARS + RANDOM_CHARS;

/**
 * newId returns a resource id: a 2-letter type prefix ("OR", "MD", …) then 26 Crockford base32
 * characters — 48 bits of Unix time in milliseconds followed by 80 random bits from node:crypto
 * (the ULID layout). `now` is the creator's clock, so an id and the row's create_time agree.
 *
 * Why this shape: the prefix tells a human (and a log reader) what the id names; the time comes
 * first so ids sort by creation time as plain strings, which lets list endpoints page newest-first
 * on the primary key alone and keeps B-tree inserts near the right-hand edge; 80 random bits make
 * collisions within one millisecond negligible without any coordination between replicas.
 * Ids created in the same millisecond are ordered randomly among themselves.
 */
export function newId(prefix: string, now: number): string {
  if (!PREFIX.test(prefix)) {
    throw new Error(`id prefix must be two upper-case letters, got ${JSON.stringify(prefix)}`);
  }
  if (!Number.isSafeInteger(now) || now < 0 || now > MAX_TIME) {
    throw new RangeError(`id time out of range: ${now}`);
  }
  return prefix + encodeTime(now) + encodeRandom(randomBytes(10));
}

function encodeTime(ms: number): string {
  let out = "";
  let rest = ms;
  for (let i = 0; i < TIME_CHARS; i++) {
    out = ALPHABET.charAt(rest % 32) + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

function encodeRandom(bytes: Buffer): string {
  let value = BigInt(`0x${bytes.toString("hex")}`);
  let out = "";
  for (let i = 0; i < RANDOM_CHARS; i++) {
    out = ALPHABET.charAt(Number(value & 31n)) + out;
    value >>= 5n;
  }
  return out;
}

/**
 * firstIdAt is the smallest id newId can return at Unix time `ms` (random part all zeros): ids made
 * at `ms` or later sort at or after it, ids made earlier before it. Lists turn time filters into
 * primary-key ranges with it.
 */
export function firstIdAt(prefix: string, ms: number): string {
  const clamped = Math.min(Math.max(Math.ceil(ms), 0), MAX_TIME);
  return prefix + encodeTime(clamped) + ALPHABET.charAt(0).repeat(RANDOM_CHARS);
}
