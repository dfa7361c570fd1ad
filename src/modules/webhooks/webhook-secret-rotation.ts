/**
 * webhook-secret-rotation.ts re-seals webhook signing secrets under the current key, beside the
 * re-encryption of account numbers in a rotation of ACCOUNT_NUMBER_KEY (docs/operations.md): their
 * key is derived from the same secret, so once the old key leaves ACCOUNT_NUMBER_KEYS_OLD a secret
 * still sealed under it opens no more and its endpoint's deliveries cannot be signed. Both the
 * current secret and the previous one (rotated; kept after its grace period ends) are re-sealed.
 */
import type { MikroORM } from "@mikro-orm/postgresql";
import { type Resealing, resealColumn } from "../../platform/db/reseal-column.js";
import type { SecretCipher } from "../../platform/secret-cipher.js";
import { WebhookEndpoint } from "./webhook-endpoint.entity.js";

/** resealWebhookSecrets re-seals every stored signing secret not yet under `cipher`'s current key. */
export async function resealWebhookSecrets(options: {
  orm: MikroORM;
  cipher: SecretCipher;
  batchSize: number;
}): Promise<Resealing> {
  const walk = (column: "secret" | "previousSecret") =>
    resealColumn({
      orm: options.orm,
      entity: WebhookEndpoint,
      column,
      sealer: options.cipher,
      batchSize: options.batchSize,
    });
  const current = await walk("secret");
  const previous = await walk("previousSecret");
  return {
    scanned: current.scanned + previous.scanned,
    resealed: current.resealed + previous.resealed,
    alreadyCurrent: current.alreadyCurrent + previous.alreadyCurrent,
    changedMeanwhile: current.changedMeanwhile + previous.changedMeanwhile,
    unreadable: [...new Set([...current.unreadable, ...previous.unreadable])],
  };
}
