/**
 * requests.ts builds the HTTP requests that the rows repeat, one helper per wire protocol, so a row
 * says "gRPC call to this method with this message" and never spells out framing or headers.
 */
import type { DescMethod } from "@bufbuild/protobuf";
import type { HttpRequestSpec } from "./load/types.js";

/** rpcPath is the Connect/gRPC path of a method: /package.Service/Method. */
export function rpcPath(method: DescMethod): string {
  return `/${method.parent.typeName}/${method.name}`;
}

/** connectJson is a Connect unary call with a JSON body (`{}` is the empty message). */
export function connectJson(method: DescMethod, json = "{}", headers: Record<string, string> = {}): HttpRequestSpec {
  return {
    method: "POST",
    path: rpcPath(method),
    headers: { "content-type": "application/json", "connect-protocol-version": "1", ...headers },
    body: new TextEncoder().encode(json),
    success: "http",
  };
}

/** connectProto is a Connect unary call with a binary protobuf body (empty bytes: the empty message). */
export function connectProto(
  method: DescMethod,
  message: Uint8Array,
  headers: Record<string, string> = {},
): HttpRequestSpec {
  return {
    method: "POST",
    path: rpcPath(method),
    headers: { "content-type": "application/proto", "connect-protocol-version": "1", ...headers },
    body: message,
    success: "http",
  };
}

/** grpc is a gRPC unary call: one length-prefixed, uncompressed message; success needs grpc-status 0. */
export function grpc(method: DescMethod, message: Uint8Array, headers: Record<string, string> = {}): HttpRequestSpec {
  const frame = new Uint8Array(5 + message.length);
  new DataView(frame.buffer).setUint32(1, message.length); // byte 0 = 0: not compressed
  frame.set(message, 5);
  return {
    method: "POST",
    path: rpcPath(method),
    headers: { "content-type": "application/grpc", te: "trailers", ...headers },
    body: frame,
    success: "grpc",
  };
}

/** restGet is a plain GET of a REST route; success is HTTP 200. */
export function restGet(path: string, headers: Record<string, string> = {}): HttpRequestSpec {
  return { method: "GET", path, headers: { accept: "application/json", ...headers }, success: "http" };
}
