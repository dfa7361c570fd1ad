/**
 * authenticator.ts is what a user's authenticator app does with the secret EnrollTotp shows: read
 * it from base32 and make the current code.
 */

import { hotp, totpStep } from "../../src/modules/identity/totp.js";
import type { Clock } from "../../src/platform/clock.js";

/** fromBase32 reads an RFC 4648 base32 secret (no padding). */
export function fromBase32(text: string): Buffer {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const char of text) {
    value = ((value << 5) | alphabet.indexOf(char)) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** currentCode is the code the authenticator shows at the clock's time. */
export function currentCode(secret: Buffer, clock: Clock): string {
  return hotp(secret, totpStep(clock.now()));
}
