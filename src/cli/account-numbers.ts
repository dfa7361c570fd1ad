/**
 * account-numbers.ts holds `ddctl account-numbers re-encrypt`, the second step of rotating
 * ACCOUNT_NUMBER_KEY (docs/operations.md): after every server runs with the new key (the old one in
 * ACCOUNT_NUMBER_KEYS_OLD), re-seal what is stored so the old key can be retired.
 */
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
 * "changed_meanwhile"}`; it fails (exit 1) naming a mandate whose value opens under no configured key,
 * after re-encrypting all the others.
 */
export const accountNumbersReEncrypt: Command = {
  words: ["account-numbers", "re-encrypt"],
  flags: { "batch-size": "string" },
  usage: "account-numbers re-encrypt [--batch-size 500]",
  summary: "re-encrypt every stored account number under ACCOUNT_NUMBER_KEY (old keys: ACCOUNT_NUMBER_KEYS_OLD)",
  async run(flags, { runtime }) {
    const batchSize = batchSizeFlag(optionalString(flags, "batch-size"));
    const cipher = await runtime.accountNumberCipher();
    const { orm } = await runtime.database();
    const result = await reEncryptAccountNumbers({ orm, cipher, batchSize });
    if (result.unreadable.length > 0) {
      throw new Error(
        `${result.unreadable.length} account numbers open under no configured key (first: mandate ` +
          `${result.unreadable[0]}); ${result.reEncrypted} others were re-encrypted. Add their key to ` +
          "ACCOUNT_NUMBER_KEYS_OLD and run again",
      );
    }
    return {
      json: {
        key_id: cipher.currentKeyId,
        scanned: result.scanned,
        re_encrypted: result.reEncrypted,
        already_current: result.alreadyCurrent,
        changed_meanwhile: result.changedMeanwhile,
      },
      text:
        `re-encrypted ${result.reEncrypted} account numbers under key ${cipher.currentKeyId} ` +
        `(${result.scanned} stored, ${result.alreadyCurrent} already under it` +
        `${result.changedMeanwhile > 0 ? `, ${result.changedMeanwhile} changed meanwhile and already under it` : ""})`,
    };
  },
};
