/**
 * rpc-caller.ts calls any contract RPC with chosen headers over the three ways integrators reach the
 * service: REST (fetch on the RPC's first google.api.http route), Connect (HTTP/1.1 JSON through a
 * generic client) and gRPC (a real @grpc/grpc-js client). Every call sends an empty request: the
 * suite is about who gets through, not what the handler does with the fields. Each answer comes back
 * as an Outcome, never as a thrown error, so tests compare transports line by line.
 */
import { fromBinary } from "@bufbuild/protobuf";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { type CallOptions, Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { codeFromString } from "@connectrpc/connect/protocol-connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import type * as grpc from "@grpc/grpc-js";
import { ErrorInfoSchema } from "../../../gen/google/rpc/error_details_pb.js";
import { StatusSchema } from "../../../gen/google/rpc/status_pb.js";
import { grpcJsClient, grpcJsUnary } from "../../support/clients.js";
import type { TestServer } from "../../support/test-server.js";
import type { ContractRpc } from "./contract-rpcs.js";
import type { Outcome, TransportName } from "./outcome.js";

/** Headers to send, lower-case names: "authorization", "cookie". */
export type RequestHeaders = Readonly<Record<string, string>>;

/** A path variable's value: an id that looks plausible and names nothing. */
export const placeholderId = "XX0000000000000000000000000";

const errorInfoTypeUrl = `type.googleapis.com/${ErrorInfoSchema.typeName}`;

/** RpcCaller calls contract RPCs on one test server; close() ends its gRPC channel. */
export interface RpcCaller {
  call(transport: TransportName, rpc: ContractRpc, headers: RequestHeaders): Promise<Outcome>;
  close(): void;
}

/** createRpcCaller opens the clients once per test file, so each case costs one request. */
export function createRpcCaller(server: TestServer): RpcCaller {
  const connect = createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "1.1" });
  const grpcJs = grpcJsClient(server.port);
  return {
    call(transport, rpc, headers) {
      switch (transport) {
        case "REST":
          return callRest(server.baseUrl, rpc, headers);
        case "Connect":
          return callConnect(connect, rpc, headers);
        case "gRPC":
          return callGrpcJs(grpcJs, rpc, headers);
      }
    },
    close: () => grpcJs.close(),
  };
}

/** restPath fills every path variable of the route with the placeholder id. */
export function restPath(rpc: ContractRpc): string {
  return rpc.route.path.replace(/\{[^}]+\}/g, placeholderId);
}

async function callRest(baseUrl: string, rpc: ContractRpc, headers: RequestHeaders): Promise<Outcome> {
  const hasBody = rpc.route.body !== "";
  const res = await fetch(`${baseUrl}${restPath(rpc)}`, {
    method: rpc.route.verb,
    headers: { ...headers, ...(hasBody ? { "content-type": "application/json" } : {}) },
    ...(hasBody ? { body: "{}" } : {}),
  });
  const text = await res.text();
  const raw = { status: res.status, route: `${rpc.route.verb} ${restPath(rpc)}`, body: text };
  const wwwAuthenticate = res.headers.get("www-authenticate");
  if (res.ok)
    return {
      transport: "REST",
      code: undefined,
      httpStatus: res.status,
      message: "",
      errorInfo: undefined,
      wwwAuthenticate,
      raw,
    };
  let body: { code?: unknown; message?: unknown; details?: unknown } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // Not the REST error body the contract promises; the Unknown code below makes the test say so.
  }
  const details = Array.isArray(body.details) ? (body.details as Record<string, unknown>[]) : [];
  const info = details.find((d) => d["@type"] === errorInfoTypeUrl);
  return {
    transport: "REST",
    code: (typeof body.code === "string" ? codeFromString(body.code) : undefined) ?? Code.Unknown,
    httpStatus: res.status,
    message: typeof body.message === "string" ? body.message : "",
    errorInfo: info
      ? { reason: String(info.reason ?? ""), metadata: (info.metadata ?? {}) as Record<string, string> }
      : undefined,
    wwwAuthenticate,
    raw,
  };
}

type AnyUnary = (request: object, options?: CallOptions) => Promise<unknown>;

async function callConnect(transport: Transport, rpc: ContractRpc, headers: RequestHeaders): Promise<Outcome> {
  // The generic client is typed per service; the suite only needs "call this method with {}".
  const client = createClient(rpc.method.parent, transport) as unknown as Record<string, AnyUnary>;
  const call = client[rpc.method.localName];
  if (!call) throw new Error(`no client method ${rpc.method.localName} for ${rpc.path}`);
  try {
    const response = await call({}, { headers: { ...headers } });
    return {
      transport: "Connect",
      code: undefined,
      httpStatus: undefined,
      message: "",
      errorInfo: undefined,
      wwwAuthenticate: null,
      raw: response,
    };
  } catch (thrown) {
    const error = ConnectError.from(thrown);
    const info = error.findDetails(ErrorInfoSchema)[0];
    return {
      transport: "Connect",
      code: error.code,
      httpStatus: undefined,
      message: error.rawMessage,
      errorInfo: info ? { reason: info.reason, metadata: { ...info.metadata } } : undefined,
      wwwAuthenticate: error.metadata.get("www-authenticate"),
      raw: {
        code: Code[error.code],
        message: error.rawMessage,
        details: error.details.map((d) => ("desc" in d ? d.desc.typeName : d.type)),
      },
    };
  }
}

async function callGrpcJs(client: grpc.Client, rpc: ContractRpc, headers: RequestHeaders): Promise<Outcome> {
  const result = await grpcJsUnary(client, rpc.method, {}, headers);
  if (result.code === 0) {
    return {
      transport: "gRPC",
      code: undefined,
      httpStatus: undefined,
      message: "",
      errorInfo: undefined,
      wwwAuthenticate: undefined,
      raw: result.message,
    };
  }
  // Rich error details travel as a serialized google.rpc.Status in the grpc-status-details-bin trailer.
  const statusBytes = result.trailers?.get("grpc-status-details-bin")[0];
  const status = statusBytes instanceof Buffer ? fromBinary(StatusSchema, statusBytes) : undefined;
  const info = status?.details.map((any) => anyUnpack(any, ErrorInfoSchema)).find((unpacked) => unpacked !== undefined);
  return {
    transport: "gRPC",
    code: result.code as number as Code,
    httpStatus: undefined,
    message: decodeGrpcMessage(result.details),
    errorInfo: info ? { reason: info.reason, metadata: { ...info.metadata } } : undefined,
    // grpc-js folds response headers into the error's metadata, but a gRPC client has no use for an
    // HTTP challenge: the contract asks for it on REST and Connect only.
    wwwAuthenticate: undefined,
    raw: {
      code: result.code,
      details: result.details,
      statusDetails: status
        ? { code: status.code, message: status.message, details: status.details.map((d) => d.typeUrl) }
        : "(no grpc-status-details-bin)",
    },
  };
}

/**
 * decodeGrpcMessage undoes the percent-encoding @grpc/grpc-js leaves in grpc-message: it decodes with
 * decodeURI, which keeps reserved characters such as ":" encoded (stack-notes.md), so "mandates:write"
 * would read "mandates%3Awrite". The raw text stays in Outcome.raw.
 */
function decodeGrpcMessage(message: string): string {
  try {
    return decodeURIComponent(message);
  } catch {
    return message;
  }
}
