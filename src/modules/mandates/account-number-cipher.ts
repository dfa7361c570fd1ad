/**
 * account-number-cipher.ts encrypts account numbers at rest with AES-256-GCM.
 *
 * Why encryption and not a keyed hash: Bacs processing must put the full account number into the
 * AUDDIS and collection files it submits, so it has to be recoverable, by this service only. The key
 * comes from ACCOUNT_NUMBER_KEY through HKDF, each value gets a fresh 96-bit IV, and the mandate id
 * is bound in as additional data, so a ciphertext copied onto another mandate does not decrypt.
 *
 * Why a key id in each value (`v2.<kid>.<iv>.<tag>.<ciphertext>`): keys are rotated. Values sealed
 * under an old key keep opening while ACCOUNT_NUMBER_KEYS_OLD lists it, `ddctl account-numbers
 * re-encrypt` moves them to the current key, and the kid says which key a value needs without trying
 * each. `v1.<iv>.<tag>.<ciphertext>` values, sealed before key ids, still open (every key is tried).
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";

/**
 * developmentAccountNumberKey sealed account numbers before ACCOUNT_NUMBER_KEY was required: tests
 * and ddctl's App (which seals nothing) still default to it, and the embedded database reads with it
 * so that data from before its generated key keeps opening.
 */
export const developmentAccountNumberKey = "development-only-account-number-key-do-not-use-in-production";

/** AccountNumberKeys are the secrets a cipher holds: the one it seals with, and others it only opens with. */
export interface AccountNumberKeys {
  current: string;
  old: readonly string[];
}

const legacyVersion = "v1";
const version = "v2";
/** GCM's full 128-bit tag: a shorter one would be accepted by Node unless the length is pinned. */
const tagLength = 16;
const ivLength = 12;

/**
 * accountNumberKeyId names a key in ciphertexts: the first 8 hex digits of its SHA-256. It tells
 * keys apart; it does not help anyone find one (32+ characters of secret behind a 32-bit prefix).
 */
export function accountNumberKeyId(keyMaterial: string): string {
  return createHash("sha256").update(keyMaterial, "utf8").digest("hex").slice(0, 8);
}

interface DerivedKey {
  id: string;
  key: Buffer;
}

function derive(keyMaterial: string): DerivedKey {
  if (keyMaterial.length < 32) throw new Error("account number key must be at least 32 characters");
  return {
    id: accountNumberKeyId(keyMaterial),
    key: Buffer.from(hkdfSync("sha256", keyMaterial, "dd-service", "account-number/v1", 32)),
  };
}

/** AccountNumberCipher seals with the current key and opens with it or any old one. */
export class AccountNumberCipher {
  private readonly current: DerivedKey;
  private readonly keys: readonly DerivedKey[];

  /** current, old: at least 32 characters of secret each (config enforces it). */
  constructor(current: string, old: readonly string[] = []) {
    this.current = derive(current);
    const others = old.map(derive).filter((k) => k.id !== this.current.id);
    this.keys = [this.current, ...others];
  }

  /** currentKeyId is the key id new values are sealed under. */
  get currentKeyId(): string {
    return this.current.id;
  }

  /** seal encrypts `accountNumber` for the mandate `mandateId` under the current key. */
  seal(accountNumber: string, mandateId: string): string {
    const iv = randomBytes(ivLength);
    const cipher = createCipheriv("aes-256-gcm", this.current.key, iv, { authTagLength: tagLength });
    cipher.setAAD(Buffer.from(mandateId, "utf8"));
    const ciphertext = Buffer.concat([cipher.update(accountNumber, "utf8"), cipher.final()]);
    return [
      version,
      this.current.id,
      iv.toString("base64url"),
      cipher.getAuthTag().toString("base64url"),
      ciphertext.toString("base64url"),
    ].join(".");
  }

  /** open decrypts what seal returned for the same mandate; throws if it was altered, moved or its key is unknown. */
  open(sealed: string, mandateId: string): string {
    const parts = sealed.split(".");
    if (parts[0] === version && parts.length === 5) {
      const [, kid, iv, tag, ciphertext] = parts as [string, string, string, string, string];
      const key = this.keys.find((k) => k.id === kid);
      if (!key) throw new Error(`account number sealed under unknown key ${kid}: add it to ACCOUNT_NUMBER_KEYS_OLD`);
      return decrypt(key, iv, tag, ciphertext, mandateId);
    }
    if (parts[0] === legacyVersion && parts.length === 4) {
      const [, iv, tag, ciphertext] = parts as [string, string, string, string];
      for (const key of this.keys) {
        try {
          return decrypt(key, iv, tag, ciphertext, mandateId);
        } catch {
          // v1 names no key: the next one may be it.
        }
      }
      throw new Error("account number does not open under any configured key");
    }
    throw new Error("not a sealed account number");
  }

  /** isCurrent says whether `sealed` is already in the current format under the current key. */
  isCurrent(sealed: string): boolean {
    return sealed.startsWith(`${version}.${this.current.id}.`);
  }
}

function decrypt(key: DerivedKey, iv: string, tag: string, ciphertext: string, mandateId: string): string {
  const ivBytes = Buffer.from(iv, "base64url");
  const tagBytes = Buffer.from(tag, "base64url");
  if (ivBytes.length !== ivLength || tagBytes.length !== tagLength) throw new Error("not a sealed account number");
  const decipher = createDecipheriv("aes-256-gcm", key.key, ivBytes, { authTagLength: tagLength });
  decipher.setAAD(Buffer.from(mandateId, "utf8"));
  decipher.setAuthTag(tagBytes);
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]).toString("utf8");
}
