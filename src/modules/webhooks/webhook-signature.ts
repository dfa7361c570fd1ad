/**
 * webhook-signature.ts signs deliveries the way Stripe-style receivers expect: the header
 * `DD-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, one v1= per secret
 * that signs (two during a rotation's grace period). The time is signed with the body, so a receiver
 * that refuses a t older than 5 minutes is safe from replays of old deliveries.
 */
import { createHmac, randomBytes } from "node:crypto";
import type { SecretCipher } from "../../platform/secret-cipher.js";
import type { WebhookEndpoint } from "./webhook-endpoint.entity.js";

/** secretPrefix starts every signing secret, so that secret scanners and people recognise one. */
export const secretPrefix = "whsec_";

/** generateSigningSecret makes a new secret: the prefix and 32 random bytes in base64url (256 bits). */
export function generateSigningSecret(): string {
  return secretPrefix + randomBytes(32).toString("base64url");
}

/** signatureHeader is the DD-Signature value of `body` sent at `timeSeconds`, signed by each secret. */
export function signatureHeader(body: string, timeSeconds: number, secrets: readonly string[]): string {
  const signed = `${timeSeconds}.${body}`;
  const signatures = secrets.map((secret) => `v1=${createHmac("sha256", secret).update(signed).digest("hex")}`);
  return [`t=${timeSeconds}`, ...signatures].join(",");
}

/** signingSecrets are the secrets that sign a delivery at `now`: the current one, and a rotated one in its grace period. */
export function signingSecrets(endpoint: WebhookEndpoint, cipher: SecretCipher, now: Date): string[] {
  const secrets = [cipher.open(endpoint.secret, endpoint.id).toString("utf8")];
  if (endpoint.previousSecret && endpoint.previousSecretExpireTime && endpoint.previousSecretExpireTime > now) {
    secrets.push(cipher.open(endpoint.previousSecret, endpoint.id).toString("utf8"));
  }
  return secrets;
}
