/** surface.ts is what both entry points (index.ts, node.ts) export besides createDirectDebitClient. */
export type { ClientOptions, DirectDebitClient } from "./clients.js";
export * from "./contract.js";
export { takesIdempotencyKey } from "./idempotency.js";
export type { RetryOptions } from "./retry.js";
export { serviceWaitMs } from "./retry.js";
export { verifyWebhook } from "./webhook.js";
