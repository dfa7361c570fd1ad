/**
 * The client for Node 20+ with every protocol: Connect, gRPC-Web, and gRPC over HTTP/2 (what
 * agentOS's back end uses), on Node's own HTTP stack.
 */
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { type ClientOptions, callInterceptors, callTimeoutMs, clientsOn, type DirectDebitClient } from "./clients.js";

export type { ClientOptions, DirectDebitClient } from "./clients.js";
export * from "./contract.js";
export { takesIdempotencyKey } from "./idempotency.js";
export type { RetryOptions } from "./retry.js";
export { serviceWaitMs } from "./retry.js";
export { verifyWebhook } from "./webhook.js";

/** createDirectDebitClient returns the typed clients of every service (protocol: Connect by default). */
export function createDirectDebitClient(
  options: ClientOptions & { protocol?: "connect" | "grpc" | "grpc-web" },
): DirectDebitClient {
  const settings = {
    baseUrl: options.baseUrl,
    interceptors: callInterceptors(options),
    defaultTimeoutMs: callTimeoutMs(options),
  };
  const transport =
    options.protocol === "grpc"
      ? createGrpcTransport(settings)
      : options.protocol === "grpc-web"
        ? createGrpcWebTransport({ ...settings, httpVersion: "1.1" })
        : createConnectTransport({ ...settings, httpVersion: "1.1" });
  return clientsOn(transport);
}
