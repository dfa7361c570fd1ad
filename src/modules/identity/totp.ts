/**
 * totp.ts is RFC 6238 time-based one-time passwords, as authenticator apps make them: HMAC-SHA-1,
 * 6 digits, 30-second steps. A code is accepted in its own step and one step either side (clock
 * drift), and never in a step at or before the last one accepted, so a code seen once (over a
 * shoulder, in a proxy log) cannot be replayed.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

const stepSeconds = 30;
const digits = 6;
/** Steps either side of now that are still accepted. */
const driftSteps = 1;

/** newTotpSecret is 20 random bytes (160 bits, RFC 4226's recommended length). */
export function newTotpSecret(): Buffer {
  return randomBytes(20);
}

/** totpStep is the RFC 6238 time step of an instant. */
export function totpStep(time: Date): number {
  return Math.floor(time.getTime() / 1000 / stepSeconds);
}

/** hotp is RFC 4226's HOTP of `counter` under `secret`, as a zero-padded string of `length` digits. */
export function hotp(secret: Buffer, counter: number, length = digits): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac("sha1", secret).update(message).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return (binary % 10 ** length).toString().padStart(length, "0");
}

/** totpAt is the code for the step of `time`. */
export function totpAt(secret: Buffer, time: Date, length = digits): string {
  return hotp(secret, totpStep(time), length);
}

/** totpCodePattern is what a code looks like: six digits. */
export const totpCodePattern = /^[0-9]{6}$/;

/**
 * matchTotp returns the step a code belongs to (now ± one step, after lastStep), or undefined. Every
 * candidate step is compared, in constant time, so the answer's timing says nothing of which matched.
 */
export function matchTotp(secret: Buffer, code: string, now: Date, lastStep: number | null): number | undefined {
  if (!totpCodePattern.test(code)) return undefined;
  const given = Buffer.from(code);
  const current = totpStep(now);
  let matched: number | undefined;
  for (let step = current - driftSteps; step <= current + driftSteps; step++) {
    const equal = timingSafeEqual(Buffer.from(hotp(secret, step)), given);
    if (equal && (lastStep === null || step > lastStep) && matched === undefined) matched = step;
  }
  return matched;
}

const base32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** base32 encodes bytes as RFC 4648 base32 without padding, as otpauth:// URIs carry secrets. */
export function base32(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += base32Alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += base32Alphabet[(value << (5 - bits)) & 31];
  return out;
}

/** otpauthUri is the key URI authenticator apps read (usually from a QR code). */
export function otpauthUri(secret: Buffer, issuer: string, account: string): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`;
  const query = new URLSearchParams({
    secret: base32(secret),
    issuer,
    algorithm: "SHA1",
    digits: String(digits),
    period: String(stepSeconds),
  });
  return `otpauth://totp/${label}?${query.toString()}`;
}
