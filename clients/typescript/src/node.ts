/**
 * The client for Node 20+ with every protocol: Connect, gRPC-Web, and gRPC over HTTP/2 (what
 * agentOS's back end uses), on Node's own HTTP stack.
 */
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { type ClientOptions, clientsOn, type DirectDebitClient, transportSettings } from "./clients.js";

export * from "./surface.js";

/** createDirectDebitClient returns the typed clients of every service (protocol: Connect by default). */
export function createDirectDebitClient(
  options: ClientOptions & { protocol?: "connect" | "grpc" | "grpc-web" },
): DirectDebitClient {
  const settings = transportSettings(options);
  const transport =
    options.protocol === "grpc"
      ? createGrpcTransport(settings)
      : options.protocol === "grpc-web"
        ? createGrpcWebTransport({ ...settings, httpVersion: "1.1" })
        : createConnectTransport({ ...settings, httpVersion: "1.1" });
  return clientsOn(transport);
}
