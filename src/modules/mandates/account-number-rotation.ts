/**
 * account-number-rotation.ts re-encrypts stored account numbers under the current key, the second
 * half of a key rotation (docs/operations.md): once every value is sealed under the new key, the old
 * one can leave ACCOUNT_NUMBER_KEYS_OLD.
 *
 * It walks every organisation's mandates with resealColumn (platform/db/reseal-column.ts): a payer's
 * change in between wins, and its value is sealed under the current key anyway.
 */
import type { MikroORM } from "@mikro-orm/postgresql";
import { resealColumn } from "../../platform/db/reseal-column.js";
import type { AccountNumberCipher } from "./account-number-cipher.js";
import { Mandate } from "./mandate.entity.js";

/** ReEncryption counts what a run found and did. */
export interface ReEncryption {
  /** Mandates holding an account number. */
  scanned: number;
  /** Values sealed anew under the current key. */
  reEncrypted: number;
  /** Values already under the current key. */
  alreadyCurrent: number;
  /** Values that changed between read and write (written by the service meanwhile, under the current key). */
  changedMeanwhile: number;
  /** Mandates whose value opens under no configured key; left as they are. */
  unreadable: string[];
}

/** reEncryptAccountNumbers re-seals every account number not yet under `cipher`'s current key. */
export async function reEncryptAccountNumbers(options: {
  orm: MikroORM;
  cipher: AccountNumberCipher;
  batchSize: number;
}): Promise<ReEncryption> {
  const { cipher } = options;
  const { resealed, ...rest } = await resealColumn({
    orm: options.orm,
    entity: Mandate,
    column: "accountNumberCiphertext",
    sealer: {
      isCurrent: (sealed) => cipher.isCurrent(sealed),
      reseal: (sealed, id) => cipher.seal(cipher.open(sealed, id), id),
    },
    batchSize: options.batchSize,
  });
  return { ...rest, reEncrypted: resealed };
}
