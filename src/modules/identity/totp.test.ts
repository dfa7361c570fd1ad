import { describe, expect, it } from "vitest";
import { base32, hotp, matchTotp, otpauthUri, totpAt, totpStep } from "./totp.js";

// RFC 6238 appendix B, SHA-1 rows: the seed is the ASCII string "12345678901234567890".
const seed = Buffer.from("12345678901234567890", "ascii");
const vectors: [number, string][] = [
  [59, "94287082"],
  [1111111109, "07081804"],
  [1111111111, "14050471"],
  [1234567890, "89005924"],
  [2000000000, "69279037"],
  [20000000000, "65353130"],
];

describe("TOTP", () => {
  it("matches RFC 6238 appendix B (SHA-1, 8 digits), and its 6-digit codes are the last six", () => {
    for (const [seconds, code] of vectors) {
      const time = new Date(seconds * 1000);
      expect(totpAt(seed, time, 8), `T=${seconds}`).toBe(code);
      expect(totpAt(seed, time), `T=${seconds}`).toBe(code.slice(2));
    }
  });

  it("matches RFC 4226 appendix D (HOTP, 6 digits)", () => {
    const expected = [
      "755224",
      "287082",
      "359152",
      "969429",
      "338314",
      "254676",
      "287922",
      "162583",
      "399871",
      "520489",
    ];
    expect(expected.map((_, counter) => hotp(seed, counter))).toEqual(expected);
  });

  it("accepts the current step and one either side, only after the last step used", () => {
    const now = new Date(1_700_000_000_000);
    const step = totpStep(now);
    const codeAt = (s: number) => hotp(seed, s);
    expect(matchTotp(seed, codeAt(step), now, null)).toBe(step);
    expect(matchTotp(seed, codeAt(step - 1), now, null)).toBe(step - 1);
    expect(matchTotp(seed, codeAt(step + 1), now, null)).toBe(step + 1);
    expect(matchTotp(seed, codeAt(step - 2), now, null)).toBeUndefined();
    expect(matchTotp(seed, codeAt(step + 2), now, null)).toBeUndefined();
    // Used already: the same step, or an earlier one, is refused.
    expect(matchTotp(seed, codeAt(step), now, step)).toBeUndefined();
    expect(matchTotp(seed, codeAt(step - 1), now, step - 1)).toBeUndefined();
    expect(matchTotp(seed, codeAt(step + 1), now, step)).toBe(step + 1);
    for (const malformed of ["", "12345", "1234567", "12345a", " 123456"]) {
      expect(matchTotp(seed, malformed, now, null)).toBeUndefined();
    }
  });

  it("writes base32 as RFC 4648 does, and an otpauth URI authenticator apps read", () => {
    expect(base32(Buffer.from("foobar"))).toBe("MZXW6YTBOI");
    expect(base32(seed)).toBe("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    expect(otpauthUri(seed, "Direct Debit", "a@b.example")).toBe(
      "otpauth://totp/Direct%20Debit:a%40b.example?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Direct+Debit&algorithm=SHA1&digits=6&period=30",
    );
  });
});
