/**
 * totp-secret-rotation.ts re-seals stored TOTP secrets under the current key, beside the
 * re-encryption of account numbers in a rotation of ACCOUNT_NUMBER_KEY (docs/operations.md): the
 * TOTP key is derived from the same secret, so once the old key leaves ACCOUNT_NUMBER_KEYS_OLD a
 * secret still sealed under it opens no more and its user cannot sign in.
 *
 * It walks every organisation's users holding a secret, pending or confirmed, with resealColumn
 * (platform/db/reseal-column.ts): a user who enrolled again or turned TOTP off in between wins, and
 * a new secret is sealed under the current key anyway.
 */
import type { MikroORM } from "@mikro-orm/postgresql";
import { type Resealing, resealColumn } from "../../platform/db/reseal-column.js";
import type { SecretCipher } from "../../platform/secret-cipher.js";
import { User } from "./user.entity.js";

/** resealTotpSecrets re-seals every TOTP secret not yet under `cipher`'s current key. */
export function resealTotpSecrets(options: {
  orm: MikroORM;
  cipher: SecretCipher;
  batchSize: number;
}): Promise<Resealing> {
  return resealColumn({
    orm: options.orm,
    entity: User,
    column: "totpSecret",
    sealer: options.cipher,
    batchSize: options.batchSize,
  });
}
