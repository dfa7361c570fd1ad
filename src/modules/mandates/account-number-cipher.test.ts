import { createCipheriv, hkdfSync, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { AccountNumberCipher, accountNumberKeyId } from "./account-number-cipher.js";

const key = "unit-test-key-unit-test-key-0123456789";
const oldKey = "old-unit-test-key-old-unit-test-key-0123";
const cipher = new AccountNumberCipher(key);

/** legacySeal writes a value the way the cipher did before key ids (`v1.<iv>.<tag>.<ciphertext>`). */
function legacySeal(keyMaterial: string, accountNumber: string, mandateId: string): string {
  const derived = Buffer.from(hkdfSync("sha256", keyMaterial, "dd-service", "account-number/v1", 32));
  const iv = randomBytes(12);
  const gcm = createCipheriv("aes-256-gcm", derived, iv);
  gcm.setAAD(Buffer.from(mandateId, "utf8"));
  const ciphertext = Buffer.concat([gcm.update(accountNumber, "utf8"), gcm.final()]);
  return ["v1", iv, gcm.getAuthTag(), ciphertext]
    .map((p) => (typeof p === "string" ? p : p.toString("base64url")))
    .join(".");
}

describe("AccountNumberCipher", () => {
  it("round-trips an account number without showing it", () => {
    const sealed = cipher.seal("31926819", "MD1");
    expect(sealed).not.toContain("31926819");
    expect(cipher.open(sealed, "MD1")).toBe("31926819");
  });

  it("gives a different ciphertext each time", () => {
    expect(cipher.seal("31926819", "MD1")).not.toBe(cipher.seal("31926819", "MD1"));
  });

  it("refuses a ciphertext moved to another mandate, altered, or sealed under another key", () => {
    const sealed = cipher.seal("31926819", "MD1");
    expect(() => cipher.open(sealed, "MD2")).toThrow();
    const parts = sealed.split(".");
    parts[4] = Buffer.from("99999999").toString("base64url");
    expect(() => cipher.open(parts.join("."), "MD1")).toThrow();
    expect(() => new AccountNumberCipher("another-key-another-key-0123456789ab").open(sealed, "MD1")).toThrow(
      /unknown key/,
    );
  });

  it("names the key in each value: the first 8 hex digits of its SHA-256", () => {
    const sealed = cipher.seal("31926819", "MD1");
    expect(accountNumberKeyId(key)).toMatch(/^[0-9a-f]{8}$/);
    expect(sealed.split(".").slice(0, 2)).toEqual(["v2", accountNumberKeyId(key)]);
    expect(cipher.currentKeyId).toBe(accountNumberKeyId(key));
    expect(cipher.isCurrent(sealed)).toBe(true);
  });

  it("opens values sealed under an old key while it is listed, and seals only under the current one", () => {
    const underOld = new AccountNumberCipher(oldKey).seal("31926819", "MD1");
    const rotated = new AccountNumberCipher(key, [oldKey]);
    expect(rotated.open(underOld, "MD1")).toBe("31926819");
    expect(rotated.isCurrent(underOld)).toBe(false);
    expect(rotated.seal("31926819", "MD1").split(".")[1]).toBe(accountNumberKeyId(key));
    expect(() => cipher.open(underOld, "MD1")).toThrow(/unknown key/);
  });

  it("still opens values sealed before key ids (v1), under the current or an old key", () => {
    expect(cipher.open(legacySeal(key, "31926819", "MD1"), "MD1")).toBe("31926819");
    const rotated = new AccountNumberCipher(key, [oldKey]);
    const legacy = legacySeal(oldKey, "55779911", "MD1");
    expect(rotated.open(legacy, "MD1")).toBe("55779911");
    expect(rotated.isCurrent(legacy)).toBe(false);
    expect(() => cipher.open(legacy, "MD1")).toThrow(/any configured key/);
  });

  it("refuses a shortened authentication tag, which GCM would otherwise check only as far as it goes", () => {
    for (const sealed of [cipher.seal("31926819", "MD1"), legacySeal(key, "31926819", "MD1")]) {
      const parts = sealed.split(".");
      const tagAt = parts.length - 2;
      parts[tagAt] = Buffer.from(parts[tagAt]!, "base64url").subarray(0, 4).toString("base64url");
      expect(() => cipher.open(parts.join("."), "MD1")).toThrow();
    }
  });

  it("refuses a key shorter than 32 characters", () => {
    expect(() => new AccountNumberCipher("short")).toThrow(/at least 32/);
    expect(() => new AccountNumberCipher(key, ["short"])).toThrow(/at least 32/);
  });
});
