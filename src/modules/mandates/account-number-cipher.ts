/**
 * account-number-cipher.ts encrypts account numbers at rest with AES-256-GCM.
 *
 * Why encryption and not a keyed hash: Bacs processing must put the full account number into the
 * AUDDIS and collection files it submits, so it has to be recoverable, by this service only. The key
 * comes from ACCOUNT_NUMBER_KEY through HKDF, each value gets a fresh 96-bit IV, and the mandate id
 * is bound in as additional data, so a ciphertext copied onto another mandate does not decrypt.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

/** developmentAccountNumberKey is used when ACCOUNT_NUMBER_KEY is unset; main warns when it is. */
export const developmentAccountNumberKey = "development-only-account-number-key-do-not-use-in-production";

const version = "v1";

/** AccountNumberCipher seals and opens account numbers for one key. */
export class AccountNumberCipher {
  private readonly key: Buffer;

  /** keyMaterial: at least 32 characters of secret (config enforces it). */
  constructor(keyMaterial: string) {
    if (keyMaterial.length < 32) throw new Error("account number key must be at least 32 characters");
    this.key = Buffer.from(hkdfSync("sha256", keyMaterial, "dd-service", "account-number/v1", 32));
  }

  /** seal encrypts `accountNumber` for the mandate `mandateId`. */
  seal(accountNumber: string, mandateId: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    cipher.setAAD(Buffer.from(mandateId, "utf8"));
    const ciphertext = Buffer.concat([cipher.update(accountNumber, "utf8"), cipher.final()]);
    return [
      version,
      iv.toString("base64url"),
      cipher.getAuthTag().toString("base64url"),
      ciphertext.toString("base64url"),
    ].join(".");
  }

  /** open decrypts what seal returned for the same mandate; throws if it was altered or moved. */
  open(sealed: string, mandateId: string): string {
    const [v, iv, tag, ciphertext] = sealed.split(".");
    if (v !== version || !iv || !tag || ciphertext === undefined) throw new Error("not a sealed account number");
    const decipher = createDecipheriv("aes-256-gcm", this.key, Buffer.from(iv, "base64url"));
    decipher.setAAD(Buffer.from(mandateId, "utf8"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]).toString("utf8");
  }
}
