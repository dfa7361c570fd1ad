/**
 * totp-secret-rotation.ts re-seals stored TOTP secrets under the current key, beside the
 * re-encryption of account numbers in a rotation of ACCOUNT_NUMBER_KEY (docs/operations.md): the
 * TOTP key is derived from the same secret, so once the old key leaves ACCOUNT_NUMBER_KEYS_OLD a
 * secret still sealed under it opens no more and its user cannot sign in.
 *
 * It walks every organisation's users holding a secret, pending or confirmed (the named "key
 * rotation" path across the tenant wall), in id order, one batch a transaction. Each value is
 * written back only if it is still the one read: a user who enrolled again or turned TOTP off in
 * between wins, and a new secret is sealed under the current key anyway. Running it again changes
 * nothing.
 */
import type { MikroORM } from "@mikro-orm/postgresql";
import { crossTenantFork } from "../../platform/db/tenant-session.js";
import type { TotpSecretCipher } from "./totp-secret-cipher.js";
import { User } from "./user.entity.js";

/** TotpReseal counts what a run found and did. */
export interface TotpReseal {
  /** Users holding a TOTP secret, pending or confirmed. */
  scanned: number;
  /** Secrets sealed anew under the current key. */
  resealed: number;
  /** Secrets already under the current key. */
  alreadyCurrent: number;
  /** Secrets that changed or went between read and write (the user enrolled again or turned TOTP off). */
  changedMeanwhile: number;
  /** Users whose secret opens under no configured key; left as they are. */
  unreadable: string[];
}

/** resealTotpSecrets re-seals every TOTP secret not yet under `cipher`'s current key. */
export async function resealTotpSecrets(options: {
  orm: MikroORM;
  cipher: TotpSecretCipher;
  batchSize: number;
}): Promise<TotpReseal> {
  const { cipher, batchSize } = options;
  const em = crossTenantFork(options.orm, "key rotation");
  const result: TotpReseal = { scanned: 0, resealed: 0, alreadyCurrent: 0, changedMeanwhile: 0, unreadable: [] };
  let after = "";
  for (;;) {
    const batch = await em.transactional(async (tx) => {
      const rows = await tx.find(
        User,
        { id: { $gt: after }, totpSecret: { $ne: null } },
        { fields: ["id", "totpSecret"], orderBy: { id: "asc" }, limit: batchSize, filters: false },
      );
      for (const row of rows) {
        const sealed = row.totpSecret!;
        if (cipher.isCurrent(sealed, row.id)) {
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
          User,
          { id: row.id, totpSecret: sealed },
          { totpSecret: resealed },
          { filters: false },
        );
        if (written === 1) result.resealed++;
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
