/**
 * clients.ts makes every kind of client integrators use, pointed at a test server: Connect over
 * HTTP/1.1 (JSON and binary) and HTTP/2, gRPC, gRPC-Web, a real @grpc/grpc-js client, and REST.
 */
import {
  create,
  type DescMessage,
  type DescMethodUnary,
  fromBinary,
  type MessageInitShape,
  type MessageShape,
  toBinary,
} from "@bufbuild/protobuf";
import type { Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";

/** connectTransports are the Connect-family transports, by name, for table-driven tests. */
export function connectTransports(baseUrl: string): Record<string, Transport> {
  return {
    "Connect JSON over HTTP/1.1": createConnectTransport({ baseUrl, httpVersion: "1.1" }),
    "Connect binary over HTTP/1.1": createConnectTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: true }),
    "Connect over HTTP/2": createConnectTransport({ baseUrl, httpVersion: "2" }),
    "gRPC over HTTP/2": createGrpcTransport({ baseUrl }),
    "gRPC-Web over HTTP/1.1": createGrpcWebTransport({ baseUrl, httpVersion: "1.1" }),
    "gRPC-Web over HTTP/2": createGrpcWebTransport({ baseUrl, httpVersion: "2" }),
  };
}

/** GrpcJsResult is what a @grpc/grpc-js unary call ended with. */
export interface GrpcJsResult<O extends DescMessage> {
  code: grpc.status;
  details: string;
  message: MessageShape<O> | undefined;
  trailers: grpc.Metadata | undefined;
}

/** grpcJsClient opens a @grpc/grpc-js channel to the test server. */
export function grpcJsClient(port: number): grpc.Client {
  return new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}

/** grpcJsUnary calls a unary RPC through @grpc/grpc-js and never rejects: it reports the status. */
export function grpcJsUnary<I extends DescMessage, O extends DescMessage>(
  client: grpc.Client,
  method: DescMethodUnary<I, O>,
  input: MessageInitShape<I>,
  metadata: Record<string, string> = {},
): Promise<GrpcJsResult<O>> {
  const md = new grpc.Metadata();
  for (const [key, value] of Object.entries(metadata)) md.set(key, value);
  return new Promise((resolve) => {
    let trailers: grpc.Metadata | undefined;
    const call = client.makeUnaryRequest(
      `/${method.parent.typeName}/${method.name}`,
      (value: MessageShape<I>) => Buffer.from(toBinary(method.input, value)),
      (bytes: Buffer) => fromBinary(method.output, bytes),
      create(method.input, input),
      md,
      (error, message) => {
        if (error) resolve({ code: error.code, details: error.details, message: undefined, trailers: error.metadata });
        else resolve({ code: grpc.status.OK, details: "", message, trailers });
      },
    );
    call.on("status", (status) => (trailers = status.metadata));
  });
}
