import { describe, expect, it } from "vitest";
import { storedHash } from "../../../test/support/fixtures.js";
import { PasswordHasher, verifyPassword } from "./password.js";

const passwords = new PasswordHasher();
const hashPassword = (password: string) => passwords.hash(password);
const checkPassword = (password: string, stored: string) => passwords.check(password, stored);

const legacyHash = (password: string) => storedHash(password, 2 ** 15);

describe("password hashing", () => {
  // Each hash at N=2^17 costs about a second on the CI machine: this file makes eight.
  it("hashes at OWASP's cost (N=2^17, r=8, p=1) with a fresh salt, and verifies the right password only", async () => {
    const [a, b] = await Promise.all([hashPassword("correct horse battery"), hashPassword("correct horse battery")]);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^scrypt\$131072\$8\$1\$/);
    expect((await checkPassword("correct horse battery", a)).upgraded).toBeUndefined();
    expect(await verifyPassword("correct horse battery", a)).toBe(true);
    expect(await verifyPassword("correct horse batterY", a)).toBe(false);
  });

  it("checks a hash made at the old cost and hashes the password at today's cost, right or wrong", async () => {
    const old = legacyHash("correct horse battery");
    const right = await checkPassword("correct horse battery", old);
    expect(right.matches).toBe(true);
    expect(right.upgraded).toMatch(/^scrypt\$131072\$8\$1\$/);
    expect(await verifyPassword("correct horse battery", right.upgraded!)).toBe(true);
    // A wrong password pays for today's cost too: an old hash must not answer faster than the decoy
    // an unknown email is checked against.
    const wrong = await checkPassword("correct horse batterY", old);
    expect(wrong.matches).toBe(false);
    expect(wrong.upgraded).toMatch(/^scrypt\$131072\$8\$1\$/);
    // And so does a stored hash that cannot be read at all.
    const unreadable = await checkPassword("x", "not-a-hash");
    expect(unreadable).toMatchObject({ matches: false, upgraded: expect.stringMatching(/^scrypt\$131072\$/) });
  });

  it("refuses a malformed stored hash, or one naming a cost out of bounds, instead of throwing or computing it", async () => {
    expect(await verifyPassword("x", "not-a-hash")).toBe(false);
    expect(await verifyPassword("x", "scrypt$1048577$8$1$c2FsdA$aGFzaA")).toBe(false);
    expect(await verifyPassword("x", `scrypt$${2 ** 24}$8$1$c2FsdA$aGFzaA`)).toBe(false);
    expect(await verifyPassword("x", "scrypt$1024$0$1$c2FsdA$aGFzaA")).toBe(false);
    expect(await verifyPassword("x", "scrypt$1024$8$1$c2FsdA$aGFzaA$extra")).toBe(false);
  });

  it("refuses to hash at a cost no stored hash may name: nobody could sign in with those hashes", () => {
    for (const cost of [
      { N: 2 ** 21, r: 8, p: 1 },
      { N: 1000, r: 8, p: 1 },
      { N: 2 ** 10, r: 0, p: 1 },
      { N: 2 ** 10, r: 8, p: 17 },
    ])
      expect(() => new PasswordHasher(cost)).toThrow(RangeError);
    expect(new PasswordHasher().cost).toEqual({ N: 2 ** 17, r: 8, p: 1 });
  });
});
