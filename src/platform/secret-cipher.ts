/**
 * secret-cipher.ts seals secrets the service must use again (TOTP secrets, webhook signing secrets)
 * at rest with AES-256-GCM (128-bit tag, pinned). A hash would not do: the service computes codes
 * and signatures with them. The key is derived by HKDF from the same secret as the account-number key
 * (ACCOUNT_NUMBER_KEY) under a label per purpose, so one secret to manage gives independent keys.
 * The owning row's id is bound in as additional data: a sealed secret copied onto another row does
 * not open. After a key rotation the
 * old keys (ACCOUNT_NUMBER_KEYS_OLD) still open what they sealed until `ddctl account-numbers
 * re-encrypt` re-seals it under the current key (totp-secret-rotation.ts). The sealed form names no
 * key, so whether a value is under the current key is told by opening it with that key alone.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

const version = "t1";
const tagLength = 16;

/** SecretPurpose names what a cipher's secrets are for; each purpose derives its own key. */
export type SecretPurpose = "totp-secret/v1" | "webhook-secret/v1";

/** SecretCipher seals and opens one purpose's secrets under one key (and opens under old ones). */
export class SecretCipher {
  private readonly key: Buffer;
  private readonly oldKeys: readonly Buffer[];

  /** keyMaterial (and each old one): at least 32 characters of secret (config enforces it). */
  constructor(purpose: SecretPurpose, keyMaterial: string, oldKeyMaterial: readonly string[] = []) {
    this.key = derive(purpose, keyMaterial);
    this.oldKeys = oldKeyMaterial.map((old) => derive(purpose, old));
  }

  /** seal encrypts the secret of the row `ownerId`. */
  seal(secret: Buffer, ownerId: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv, { authTagLength: tagLength });
    cipher.setAAD(Buffer.from(ownerId, "utf8"));
    const ciphertext = Buffer.concat([cipher.update(secret), cipher.final()]);
    return [version, ...[iv, cipher.getAuthTag(), ciphertext].map((part) => part.toString("base64url"))].join(".");
  }

  /** open decrypts what seal returned for the same row, under the current or an old key; throws if it was altered or moved. */
  open(sealed: string, ownerId: string): Buffer {
    let failure: unknown;
    for (const key of [this.key, ...this.oldKeys]) {
      try {
        return openWith(key, sealed, ownerId);
      } catch (error) {
        failure = error;
      }
    }
    throw failure;
  }

  /** reseal seals anew under the current key what an old (or the current) key opens; throws if none does. */
  reseal(sealed: string, ownerId: string): string {
    return this.seal(this.open(sealed, ownerId), ownerId);
  }

  /** isCurrent tells whether the current key opens `sealed` for the row: if not, re-sealing it is due. */
  isCurrent(sealed: string, ownerId: string): boolean {
    try {
      openWith(this.key, sealed, ownerId);
      return true;
    } catch {
      return false;
    }
  }
}

function openWith(key: Buffer, sealed: string, ownerId: string): Buffer {
  const [v, iv, tag, ciphertext] = sealed.split(".");
  if (v !== version || !iv || !tag || ciphertext === undefined) throw new Error("not a sealed secret");
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"), { authTagLength: tagLength });
  decipher.setAAD(Buffer.from(ownerId, "utf8"));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]);
}

function derive(purpose: SecretPurpose, keyMaterial: string): Buffer {
  if (keyMaterial.length < 32) throw new Error("secret key material must be at least 32 characters");
  return Buffer.from(hkdfSync("sha256", keyMaterial, "dd-service", purpose, 32));
}
