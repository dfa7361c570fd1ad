/**
 * The Direct Debit API's TypeScript client, for browsers and Node 20+: Connect or gRPC-Web over
 * fetch. For gRPC (HTTP/2) from Node, import "./node.js" instead.
 */
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { type ClientOptions, callInterceptors, callTimeoutMs, clientsOn, type DirectDebitClient } from "./clients.js";

export type { ClientOptions, DirectDebitClient } from "./clients.js";
export * from "./contract.js";
export { takesIdempotencyKey } from "./idempotency.js";
export type { RetryOptions } from "./retry.js";
export { serviceWaitMs } from "./retry.js";
export { verifyWebhook } from "./webhook.js";

/** createDirectDebitClient returns the typed clients of every service (protocol: Connect by default). */
export function createDirectDebitClient(
  options: ClientOptions & { protocol?: "connect" | "grpc-web" },
): DirectDebitClient {
  const settings = {
    baseUrl: options.baseUrl,
    interceptors: callInterceptors(options),
    defaultTimeoutMs: callTimeoutMs(options),
  };
  const transport =
    options.protocol === "grpc-web" ? createGrpcWebTransport(settings) : createConnectTransport(settings);
  return clientsOn(transport);
}
