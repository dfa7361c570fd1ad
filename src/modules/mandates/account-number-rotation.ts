/**
 * account-number-rotation.ts re-encrypts stored account numbers under the current key, the second
 * half of a key rotation (docs/operations.md): once every value is sealed under the new key, the old
 * one can leave ACCOUNT_NUMBER_KEYS_OLD.
 *
 * It walks every organisation's mandates (the named "key rotation" path across the tenant wall) in
 * id order, one batch a transaction, so a large table is never locked or held in memory at once.
 * Each value is written back only if it is still the one read: a payer's change in between wins,
 * and its value is sealed under the current key anyway. Running it again changes nothing.
 */
import type { MikroORM } from "@mikro-orm/postgresql";
import { crossTenantFork } from "../../platform/db/tenant-session.js";
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
  const { cipher, batchSize } = options;
  const em = crossTenantFork(options.orm, "key rotation");
  const result: ReEncryption = { scanned: 0, reEncrypted: 0, alreadyCurrent: 0, changedMeanwhile: 0, unreadable: [] };
  let after = "";
  for (;;) {
    const batch = await em.transactional(async (tx) => {
      const rows = await tx.find(
        Mandate,
        { id: { $gt: after }, accountNumberCiphertext: { $ne: null } },
        { fields: ["id", "accountNumberCiphertext"], orderBy: { id: "asc" }, limit: batchSize, filters: false },
      );
      for (const row of rows) {
        const sealed = row.accountNumberCiphertext!;
        if (cipher.isCurrent(sealed)) {
          result.alreadyCurrent++;
          continue;
        }
        let resealed: string;
        try {
          resealed = cipher.seal(cipher.open(sealed, row.id), row.id);
        } catch {
          result.unreadable.push(row.id);
          continue;
        }
        const written = await tx.nativeUpdate(
          Mandate,
          { id: row.id, accountNumberCiphertext: sealed },
          { accountNumberCiphertext: resealed },
          { filters: false },
        );
        if (written === 1) result.reEncrypted++;
        else result.changedMeanwhile++;
      }
      return rows.map((row) => row.id);
    });
    em.clear();
    result.scanned += batch.length;
    if (batch.length < batchSize) return result;
    after = batch.at(-1)!;
  }
}
