/**
 * rpc-caller.ts calls any contract RPC with chosen headers over the three ways integrators reach the
 * service: REST (fetch on the RPC's first google.api.http route), Connect (HTTP/1.1 through a generic
 * client) and gRPC (a real @grpc/grpc-js client). A call sends an empty request unless the test gives
 * one: most of the suite is about who gets through, not what the handler does with the fields. A
 * given request goes over REST as the route says: path variables in the path, the body field (or
 * everything) in the JSON body, the rest as query parameters. Each answer comes back as an Outcome,
 * never as a thrown error, so tests compare transports line by line.
 */
import {
  create,
  type DescField,
  type DescMessage,
  fromBinary,
  type JsonObject,
  type JsonValue,
  type Message,
  type MessageInitShape,
  toJson,
} from "@bufbuild/protobuf";
import { anyUnpack, type Duration } from "@bufbuild/protobuf/wkt";
import { type CallOptions, Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { codeFromString, createTransport } from "@connectrpc/connect/protocol-connect";
import { createNodeHttpClient } from "@connectrpc/connect-node";
import type * as grpc from "@grpc/grpc-js";
import { ErrorInfoSchema, QuotaFailureSchema, RetryInfoSchema } from "../../../gen/google/rpc/error_details_pb.js";
import { StatusSchema } from "../../../gen/google/rpc/status_pb.js";
import { grpcJsClient, grpcJsUnary } from "../../support/clients.js";
import type { TestServer } from "../../support/test-server.js";
import type { ContractRpc } from "./contract-rpcs.js";
import type { Outcome, TransportName } from "./outcome.js";

/** Headers to send, lower-case names: "authorization", "cookie". */
export type RequestHeaders = Readonly<Record<string, string>>;

/** A request to send: the RPC's input message, or its fields (as for create()). */
export type RequestFields = MessageInitShape<DescMessage>;

/** A path variable's value when the request leaves it empty: an id that looks plausible and names nothing. */
export const placeholderId = "XX0000000000000000000000000";

const typeUrl = (typeName: string) => `type.googleapis.com/${typeName}`;

/** RpcCaller calls contract RPCs on one test server; close() ends its gRPC channel. */
export interface RpcCaller {
  call(transport: TransportName, rpc: ContractRpc, headers: RequestHeaders, request?: RequestFields): Promise<Outcome>;
  close(): void;
}

/** createRpcCaller opens the clients once per test file, so each case costs one request. */
export function createRpcCaller(server: TestServer): RpcCaller {
  const connect = connectTransportShowingStatus(server.baseUrl);
  const grpcJs = grpcJsClient(server.port);
  return {
    call(transport, rpc, headers, request = {}) {
      const message = create(rpc.method.input, request);
      switch (transport) {
        case "REST":
          return callRest(server.baseUrl, rpc, headers, message);
        case "Connect":
          return callConnect(connect, rpc, headers, message);
        case "gRPC":
          return callGrpcJs(grpcJs, rpc, headers, message);
      }
    },
    close: () => grpcJs.close(),
  };
}

/**
 * restRequest is how a REST client sends the message on the RPC's route: each path variable takes
 * its field's value (the placeholder id when empty), the body field (or, for body "*", every field
 * left) goes in the JSON body, and the fields left after that become query parameters (dotted for
 * nested messages, repeated for lists), all in their proto3 JSON forms.
 */
export function restRequest(rpc: ContractRpc, message: Message): { path: string; body: string | undefined } {
  const json = toJson(rpc.method.input, message) as JsonObject;
  const path = rpc.route.path.replace(/\{([^}=]+)(=[^}]*)?\}/g, (_variable, dotted: string) => {
    const value = takeLeaf(json, jsonNamesOf(rpc.method.input, dotted.split(".")));
    return value === undefined || value === "" ? placeholderId : encodeURIComponent(String(value));
  });
  let body: string | undefined;
  let query: JsonObject = json;
  if (rpc.route.body === "*") {
    body = JSON.stringify(json);
    query = {};
  } else if (rpc.route.body !== "") {
    const [bodyName] = jsonNamesOf(rpc.method.input, [rpc.route.body]);
    body = JSON.stringify(json[bodyName!] ?? {});
    query = { ...json };
    delete query[bodyName!];
  }
  const params = new URLSearchParams();
  appendQuery(params, "", query);
  const search = params.toString();
  return { path: search === "" ? path : `${path}?${search}`, body };
}

/** jsonNamesOf turns a dotted proto field path into the JSON names proto3 JSON uses for it. */
function jsonNamesOf(message: DescMessage, parts: readonly string[]): string[] {
  const names: string[] = [];
  let current: DescMessage | undefined = message;
  for (const part of parts) {
    const field: DescField | undefined = current?.fields.find((f) => f.name === part);
    if (!field) throw new Error(`${message.typeName} has no field path ${parts.join(".")}`);
    names.push(field.jsonName);
    current = field.fieldKind === "message" ? field.message : undefined;
  }
  return names;
}

/** takeLeaf removes the value at the path from the JSON object and returns it. */
function takeLeaf(json: JsonObject, path: readonly string[]): JsonValue | undefined {
  const [head, ...rest] = path;
  if (head === undefined) return undefined;
  const value = json[head];
  if (rest.length === 0) {
    delete json[head];
    return value;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const leaf = takeLeaf(value, rest);
  if (Object.keys(value).length === 0) delete json[head];
  return leaf;
}

function appendQuery(params: URLSearchParams, prefix: string, value: JsonValue): void {
  if (Array.isArray(value)) {
    for (const element of value) appendQuery(params, prefix, element);
  } else if (value !== null && typeof value === "object") {
    for (const [key, inner] of Object.entries(value))
      appendQuery(params, prefix === "" ? key : `${prefix}.${key}`, inner);
  } else if (value !== null) {
    params.append(prefix, String(value));
  }
}

/** durationMs reads a google.protobuf.Duration in its proto3 JSON form ("1.5s") or as a message. */
function durationMs(duration: string | Duration | undefined): number | undefined {
  if (duration === undefined) return undefined;
  if (typeof duration !== "string") return Number(duration.seconds) * 1000 + duration.nanos / 1e6;
  const match = /^(-?\d+(?:\.\d+)?)s$/.exec(duration);
  return match ? Number(match[1]) * 1000 : undefined;
}

async function callRest(
  baseUrl: string,
  rpc: ContractRpc,
  headers: RequestHeaders,
  message: Message,
): Promise<Outcome> {
  const { path, body: requestBody } = restRequest(rpc, message);
  const hasBody = rpc.route.body !== "";
  const res = await fetch(`${baseUrl}${path}`, {
    method: rpc.route.verb,
    headers: { ...headers, ...(hasBody ? { "content-type": "application/json" } : {}) },
    ...(hasBody ? { body: requestBody ?? "{}" } : {}),
  });
  const text = await res.text();
  const raw = { status: res.status, route: `${rpc.route.verb} ${path}`, body: text };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not the JSON the contract promises; the Unknown code below (or the missing response) says so.
  }
  const common = {
    transport: "REST" as const,
    httpStatus: res.status,
    wwwAuthenticate: res.headers.get("www-authenticate"),
    retryAfter: res.headers.get("retry-after"),
    raw,
  };
  if (res.ok)
    return {
      ...common,
      code: undefined,
      message: "",
      errorInfo: undefined,
      retryDelayMs: undefined,
      quotaSubjects: undefined,
      response: parsed as JsonValue,
    };
  const errorBody = (parsed ?? {}) as { code?: unknown; message?: unknown; details?: unknown };
  const details = Array.isArray(errorBody.details) ? (errorBody.details as Record<string, unknown>[]) : [];
  const detail = (schema: { typeName: string }) => details.find((d) => d["@type"] === typeUrl(schema.typeName));
  const info = detail(ErrorInfoSchema);
  const quota = detail(QuotaFailureSchema);
  return {
    ...common,
    code: (typeof errorBody.code === "string" ? codeFromString(errorBody.code) : undefined) ?? Code.Unknown,
    message: typeof errorBody.message === "string" ? errorBody.message : "",
    errorInfo: info
      ? { reason: String(info.reason ?? ""), metadata: (info.metadata ?? {}) as Record<string, string> }
      : undefined,
    retryDelayMs: durationMs(detail(RetryInfoSchema)?.retryDelay as string | undefined),
    quotaSubjects: quota
      ? ((quota.violations ?? []) as { subject?: string }[]).map((v) => String(v.subject ?? ""))
      : undefined,
    response: undefined,
  };
}

/** Names each Connect call, so the HTTP status it got can be found again. */
const callIdHeader = "x-security-suite-call";

/** ConnectWithStatus is a Connect transport that also shows the HTTP status of each answer. */
interface ConnectWithStatus {
  transport: Transport;
  /** The HTTP status of the call sent with this id, read once. */
  statusOf(callId: string): number | undefined;
}

/**
 * connectTransportShowingStatus is connect-node's Connect transport over HTTP/1.1 (the same protocol
 * and binary codec createConnectTransport uses) whose HTTP client notes each answer's status: the
 * Connect client turns the status into a code and keeps the status to itself, but the contract
 * promises the status too (429 over the limit, for one).
 */
function connectTransportShowingStatus(baseUrl: string): ConnectWithStatus {
  const http = createNodeHttpClient({ httpVersion: "1.1" });
  const statuses = new Map<string, number>();
  const transport = createTransport({
    baseUrl,
    httpClient: async (request) => {
      const response = await http(request);
      const id = request.header.get(callIdHeader);
      if (id !== null) statuses.set(id, response.status);
      return response;
    },
    useBinaryFormat: true,
    interceptors: [],
    acceptCompression: [],
    sendCompression: null,
    compressMinBytes: 1024,
    readMaxBytes: 16 * 1024 * 1024,
    writeMaxBytes: 16 * 1024 * 1024,
  });
  return {
    transport,
    statusOf(callId) {
      const status = statuses.get(callId);
      statuses.delete(callId);
      return status;
    },
  };
}

type AnyUnary = (request: Message, options?: CallOptions) => Promise<Message>;

let connectCalls = 0;

async function callConnect(
  connect: ConnectWithStatus,
  rpc: ContractRpc,
  headers: RequestHeaders,
  message: Message,
): Promise<Outcome> {
  // The generic client is typed per service; the suite only needs "call this method with a message".
  const client = createClient(rpc.method.parent, connect.transport) as unknown as Record<string, AnyUnary>;
  const call = client[rpc.method.localName];
  if (!call) throw new Error(`no client method ${rpc.method.localName} for ${rpc.path}`);
  const callId = String(++connectCalls);
  try {
    const response = await call(message, { headers: { ...headers, [callIdHeader]: callId } });
    return {
      transport: "Connect",
      code: undefined,
      httpStatus: connect.statusOf(callId),
      message: "",
      errorInfo: undefined,
      wwwAuthenticate: null,
      retryAfter: null,
      retryDelayMs: undefined,
      quotaSubjects: undefined,
      response: toJson(rpc.method.output, response),
      raw: response,
    };
  } catch (thrown) {
    const error = ConnectError.from(thrown);
    const info = error.findDetails(ErrorInfoSchema)[0];
    const quota = error.findDetails(QuotaFailureSchema)[0];
    return {
      transport: "Connect",
      code: error.code,
      httpStatus: connect.statusOf(callId),
      message: error.rawMessage,
      errorInfo: info ? { reason: info.reason, metadata: { ...info.metadata } } : undefined,
      wwwAuthenticate: error.metadata.get("www-authenticate"),
      retryAfter: error.metadata.get("retry-after"),
      retryDelayMs: durationMs(error.findDetails(RetryInfoSchema)[0]?.retryDelay),
      quotaSubjects: quota?.violations.map((v) => v.subject),
      response: undefined,
      raw: {
        code: Code[error.code],
        message: error.rawMessage,
        details: error.details.map((d) => ("desc" in d ? d.desc.typeName : d.type)),
      },
    };
  }
}

async function callGrpcJs(
  client: grpc.Client,
  rpc: ContractRpc,
  headers: RequestHeaders,
  message: Message,
): Promise<Outcome> {
  const result = await grpcJsUnary(client, rpc.method, message as MessageInitShape<DescMessage>, headers);
  const retryAfter = result.trailers?.get("retry-after")[0];
  if (result.code === 0) {
    return {
      transport: "gRPC",
      code: undefined,
      httpStatus: undefined,
      message: "",
      errorInfo: undefined,
      wwwAuthenticate: undefined,
      retryAfter: retryAfter === undefined ? null : String(retryAfter),
      retryDelayMs: undefined,
      quotaSubjects: undefined,
      response: result.message === undefined ? undefined : toJson(rpc.method.output, result.message),
      raw: result.message,
    };
  }
  // Rich error details travel as a serialized google.rpc.Status in the grpc-status-details-bin trailer.
  const statusBytes = result.trailers?.get("grpc-status-details-bin")[0];
  const status = statusBytes instanceof Buffer ? fromBinary(StatusSchema, statusBytes) : undefined;
  const unpacked = <T extends DescMessage>(schema: T) =>
    status?.details.map((any) => anyUnpack(any, schema)).find((found) => found !== undefined);
  const info = unpacked(ErrorInfoSchema);
  const quota = unpacked(QuotaFailureSchema);
  return {
    transport: "gRPC",
    code: result.code as number as Code,
    httpStatus: undefined,
    message: decodeGrpcMessage(result.details),
    errorInfo: info ? { reason: info.reason, metadata: { ...info.metadata } } : undefined,
    // grpc-js folds response headers into the error's metadata, but a gRPC client has no use for an
    // HTTP challenge: the contract asks for it on REST and Connect only.
    wwwAuthenticate: undefined,
    retryAfter: retryAfter === undefined ? null : String(retryAfter),
    retryDelayMs: durationMs(unpacked(RetryInfoSchema)?.retryDelay),
    quotaSubjects: quota?.violations.map((v) => v.subject),
    response: undefined,
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
