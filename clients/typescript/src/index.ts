/**
 * The Direct Debit API's TypeScript client, for browsers and Node 20+: Connect or gRPC-Web over
 * fetch. For gRPC (HTTP/2) from Node, import "./node.js" instead.
 */
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { type ClientOptions, clientsOn, type DirectDebitClient, transportSettings } from "./clients.js";

export * from "./surface.js";

/** createDirectDebitClient returns the typed clients of every service (protocol: Connect by default). */
export function createDirectDebitClient(
  options: ClientOptions & { protocol?: "connect" | "grpc-web" },
): DirectDebitClient {
  const settings = transportSettings(options);
  const transport =
    options.protocol === "grpc-web" ? createGrpcWebTransport(settings) : createConnectTransport(settings);
  return clientsOn(transport);
}
