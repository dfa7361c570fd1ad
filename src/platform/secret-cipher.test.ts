import { describe, expect, it } from "vitest";
import { SecretCipher } from "./secret-cipher.js";

const cipher = new SecretCipher("totp-secret/v1", "test-key-material-0123456789abcdef");
const secret = Buffer.from("12345678901234567890");

describe("SecretCipher", () => {
  it("opens what it sealed for the same user, and the sealed form does not hold the secret", () => {
    const sealed = cipher.seal(secret, "US1");
    expect(sealed).not.toContain(secret.toString("base64url"));
    expect(sealed).not.toBe(cipher.seal(secret, "US1"));
    expect(cipher.open(sealed, "US1")).toEqual(secret);
  });

  it("opens a secret sealed under a key that has since become an old key", () => {
    const sealed = cipher.seal(secret, "US1");
    const rotated = new SecretCipher("totp-secret/v1", "the-next-key-material-0123456789abcdef", [
      "test-key-material-0123456789abcdef",
    ]);
    expect(rotated.open(sealed, "US1")).toEqual(secret);
  });

  it("tells a secret under the current key from one under an old key", () => {
    const rotated = new SecretCipher("totp-secret/v1", "the-next-key-material-0123456789abcdef", [
      "test-key-material-0123456789abcdef",
    ]);
    expect(rotated.isCurrent(cipher.seal(secret, "US1"), "US1")).toBe(false);
    expect(rotated.isCurrent(rotated.seal(secret, "US1"), "US1")).toBe(true);
    expect(rotated.isCurrent(rotated.seal(secret, "US1"), "US2")).toBe(false);
  });

  it("refuses a secret moved to another user, altered, under another key, or with a short tag", () => {
    const sealed = cipher.seal(secret, "US1");
    expect(() => cipher.open(sealed, "US2")).toThrow();
    const [v, iv, tag, body] = sealed.split(".");
    expect(() =>
      cipher.open([v, iv, tag, `${body![0] === "A" ? "B" : "A"}${body!.slice(1)}`].join("."), "US1"),
    ).toThrow();
    expect(() => cipher.open([v, iv, tag!.slice(0, 6), body].join("."), "US1")).toThrow();
    expect(() =>
      new SecretCipher("totp-secret/v1", "another-key-material-0123456789abcdef").open(sealed, "US1"),
    ).toThrow();
  });

  it("derives another key for another purpose: a TOTP secret does not open as a webhook secret", () => {
    const sealed = cipher.seal(secret, "US1");
    expect(() =>
      new SecretCipher("webhook-secret/v1", "test-key-material-0123456789abcdef").open(sealed, "US1"),
    ).toThrow();
  });
});
