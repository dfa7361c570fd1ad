import { describe, expect, it } from "vitest";
import { AccountNumberCipher } from "./account-number-cipher.js";

const cipher = new AccountNumberCipher("unit-test-key-unit-test-key-0123456789");

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
    parts[3] = Buffer.from("99999999").toString("base64url");
    expect(() => cipher.open(parts.join("."), "MD1")).toThrow();
    expect(() => new AccountNumberCipher("another-key-another-key-0123456789ab").open(sealed, "MD1")).toThrow();
  });

  it("refuses a key shorter than 32 characters", () => {
    expect(() => new AccountNumberCipher("short")).toThrow(/at least 32/);
  });
});
