/**
 * account-numbers.ts holds `ddctl account-numbers re-encrypt`, the second step of rotating
 * ACCOUNT_NUMBER_KEY (docs/operations.md): after every server runs with the new key (the old one in
 * ACCOUNT_NUMBER_KEYS_OLD), re-seal what is stored so the old key can be retired: account numbers,
 * and TOTP secrets, whose key is derived from the same secret (a user whose secret stayed under the
 * old key could not sign in once it is gone).
 */
import { resealTotpSecrets } from "../modules/identity/totp-secret-rotation.js";
import { reEncryptAccountNumbers } from "../modules/mandates/account-number-rotation.js";
import { optionalString, UsageError } from "./args.js";
import type { Command } from "./command.js";

const defaultBatchSize = 500;
const maxBatchSize = 10_000;

function batchSizeFlag(raw: string | undefined): number {
  if (raw === undefined) return defaultBatchSize;
  const value = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < 1 || value > maxBatchSize) {
    throw new UsageError(
      `ddctl account-numbers re-encrypt: --batch-size must be a whole number from 1 to ${maxBatchSize}, got "${raw}"`,
    );
  }
  return value;
}

/**
 * accountNumbersReEncrypt prints `{"key_id", "scanned", "re_encrypted", "already_current",
 * "changed_meanwhile"}` for account numbers, then `totp_secrets_scanned`, `…_resealed`,
 * `…_already_current` and `…_changed_meanwhile` for TOTP secrets; it fails (exit 1) naming a mandate or user whose value opens under no configured key,
 * after re-sealing all the others.
 */
export const accountNumbersReEncrypt: Command = {
  words: ["account-numbers", "re-encrypt"],
  flags: { "batch-size": "string" },
  usage: "account-numbers re-encrypt [--batch-size 500]",
  summary:
    "re-encrypt every stored account number and TOTP secret under ACCOUNT_NUMBER_KEY (old keys: ACCOUNT_NUMBER_KEYS_OLD)",
  async run(flags, { runtime }) {
    const batchSize = batchSizeFlag(optionalString(flags, "batch-size"));
    const cipher = await runtime.accountNumberCipher();
    const totpCipher = await runtime.totpSecretCipher();
    const { orm } = await runtime.database();
    const numbers = await reEncryptAccountNumbers({ orm, cipher, batchSize });
    const totp = await resealTotpSecrets({ orm, cipher: totpCipher, batchSize });
    const unreadable: string[] = [];
    if (numbers.unreadable.length > 0) {
      unreadable.push(
        `${numbers.unreadable.length} account numbers open under no configured key (first: mandate ` +
          `${numbers.unreadable[0]}); ${numbers.reEncrypted} others were re-encrypted`,
      );
    }
    if (totp.unreadable.length > 0) {
      unreadable.push(
        `${totp.unreadable.length} TOTP secrets open under no configured key (first: user ` +
          `${totp.unreadable[0]}); ${totp.resealed} others were re-sealed`,
      );
    }
    if (unreadable.length > 0) {
      throw new Error(`${unreadable.join("; ")}. Add their key to ACCOUNT_NUMBER_KEYS_OLD and run again`);
    }
    return {
      json: {
        key_id: cipher.currentKeyId,
        scanned: numbers.scanned,
        re_encrypted: numbers.reEncrypted,
        already_current: numbers.alreadyCurrent,
        changed_meanwhile: numbers.changedMeanwhile,
        totp_secrets_scanned: totp.scanned,
        totp_secrets_resealed: totp.resealed,
        totp_secrets_already_current: totp.alreadyCurrent,
        totp_secrets_changed_meanwhile: totp.changedMeanwhile,
      },
      text:
        `re-encrypted ${numbers.reEncrypted} account numbers under key ${cipher.currentKeyId} ` +
        `(${numbers.scanned} stored, ${numbers.alreadyCurrent} already under it` +
        `${numbers.changedMeanwhile > 0 ? `, ${numbers.changedMeanwhile} changed meanwhile and already under it` : ""}); ` +
        `re-sealed ${totp.resealed} TOTP secrets (${totp.scanned} stored, ${totp.alreadyCurrent} already under it` +
        `${totp.changedMeanwhile > 0 ? `, ${totp.changedMeanwhile} changed meanwhile` : ""})`,
    };
  },
};
