/**
 * account-numbers.ts holds `ddctl account-numbers re-encrypt`, the second step of rotating
 * ACCOUNT_NUMBER_KEY (docs/operations.md): after every server runs with the new key (the old one in
 * ACCOUNT_NUMBER_KEYS_OLD), re-seal what is stored so the old key can be retired: account numbers,
 * TOTP secrets and webhook signing secrets, whose keys are derived from the same secret (a user whose
 * secret stayed under the old key could not sign in once it is gone, nor an endpoint be signed for).
 */
import { resealTotpSecrets } from "../modules/identity/totp-secret-rotation.js";
import { reEncryptAccountNumbers } from "../modules/mandates/account-number-rotation.js";
import { resealWebhookSecrets } from "../modules/webhooks/webhook-secret-rotation.js";
import type { Resealing } from "../platform/db/reseal-column.js";
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
 * `…_already_current` and `…_changed_meanwhile` for TOTP secrets, the same `webhook_secrets_…` for
 * webhook signing secrets; it fails (exit 1) naming a mandate, user or endpoint whose value opens
 * under no configured key, after re-sealing all the others.
 */
export const accountNumbersReEncrypt: Command = {
  words: ["account-numbers", "re-encrypt"],
  flags: { "batch-size": "string" },
  usage: "account-numbers re-encrypt [--batch-size 500]",
  summary:
    "re-encrypt every stored account number, TOTP secret and webhook secret under ACCOUNT_NUMBER_KEY (old keys: ACCOUNT_NUMBER_KEYS_OLD)",
  async run(flags, { runtime }) {
    const batchSize = batchSizeFlag(optionalString(flags, "batch-size"));
    const cipher = await runtime.accountNumberCipher();
    const { orm } = await runtime.database();
    const numbers = await reEncryptAccountNumbers({ orm, cipher, batchSize });
    const totp = await resealTotpSecrets({ orm, cipher: await runtime.secretCipher("totp-secret/v1"), batchSize });
    const webhooks = await resealWebhookSecrets({
      orm,
      cipher: await runtime.secretCipher("webhook-secret/v1"),
      batchSize,
    });
    const unreadable: string[] = [];
    if (numbers.unreadable.length > 0) {
      unreadable.push(
        `${numbers.unreadable.length} account numbers open under no configured key (first: mandate ` +
          `${numbers.unreadable[0]}); ${numbers.reEncrypted} others were re-encrypted`,
      );
    }
    unreadable.push(...unreadableSecrets(totp, "TOTP secrets", "user"));
    unreadable.push(...unreadableSecrets(webhooks, "webhook signing secrets", "webhook endpoint"));
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
        webhook_secrets_scanned: webhooks.scanned,
        webhook_secrets_resealed: webhooks.resealed,
        webhook_secrets_already_current: webhooks.alreadyCurrent,
        webhook_secrets_changed_meanwhile: webhooks.changedMeanwhile,
      },
      text:
        `re-encrypted ${numbers.reEncrypted} account numbers under key ${cipher.currentKeyId} ` +
        `(${numbers.scanned} stored, ${numbers.alreadyCurrent} already under it` +
        `${numbers.changedMeanwhile > 0 ? `, ${numbers.changedMeanwhile} changed meanwhile and already under it` : ""}); ` +
        `re-sealed ${totp.resealed} TOTP secrets (${totp.scanned} stored, ${totp.alreadyCurrent} already under it` +
        `${totp.changedMeanwhile > 0 ? `, ${totp.changedMeanwhile} changed meanwhile` : ""}); ` +
        `re-sealed ${webhooks.resealed} webhook signing secrets (${webhooks.scanned} stored, ` +
        `${webhooks.alreadyCurrent} already under it)`,
    };
  },
};

/** unreadableSecrets words the secrets of a walk that no configured key opens, if any. */
function unreadableSecrets(walk: Resealing, what: string, owner: string): string[] {
  if (walk.unreadable.length === 0) return [];
  return [
    `${walk.unreadable.length} ${what} open under no configured key (first: ${owner} ${walk.unreadable[0]}); ` +
      `${walk.resealed} others were re-sealed`,
  ];
}
