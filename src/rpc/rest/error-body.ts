/**
 * error-body.ts renders a ConnectError as the REST error body
 * `{ code, message, details: [{ "@type": …, …proto3 JSON… }] }`: the Connect code string, the
 * message without Connect's "[code]" prefix, and each detail decoded from its Connect wire form
 * (type name + bytes) into the proto3 JSON of google.protobuf.Any, so REST clients read the same
 * google.rpc details gRPC clients get, without decoding base64 protobuf themselves.
 */
import {
  create,
  createRegistry,
  type DescMessage,
  fromBinary,
  type JsonObject,
  type JsonValue,
  type Message,
  type Registry,
  toJson,
} from "@bufbuild/protobuf";
import { base64Encode } from "@bufbuild/protobuf/wire";
import { ConnectError } from "@connectrpc/connect";
import { codeFromHttpStatus, codeToString, errorFromJsonBytes } from "@connectrpc/connect/protocol-connect";
import {
  BadRequestSchema,
  ErrorInfoSchema,
  HelpSchema,
  LocalizedMessageSchema,
  PreconditionFailureSchema,
  QuotaFailureSchema,
  RequestInfoSchema,
  ResourceInfoSchema,
  RetryInfoSchema,
} from "../../../gen/google/rpc/error_details_pb.js";

/** RestErrorBody is the JSON body of every REST error answer. */
export interface RestErrorBody {
  /** The Connect code string, for example "permission_denied". */
  code: string;
  message: string;
  /** Each detail as Any JSON: "@type" plus the message's fields (or "value", base64, if unknown). */
  details: JsonObject[];
}

/**
 * errorDetailRegistry holds the google.rpc error details a REST client may see decoded.
 * google.rpc.DebugInfo is deliberately absent: see restErrorBody.
 */
export const errorDetailRegistry: Registry = createRegistry(
  ErrorInfoSchema,
  BadRequestSchema,
  RetryInfoSchema,
  QuotaFailureSchema,
  PreconditionFailureSchema,
  ResourceInfoSchema,
  HelpSchema,
  LocalizedMessageSchema,
  RequestInfoSchema,
);

const typeUrlPrefix = "type.googleapis.com/";
const withheldTypes = new Set(["google.rpc.DebugInfo"]);

/**
 * restErrorBody renders a ConnectError (one parsed from a handler's answer, or one the transcoder
 * made) as the REST error body. Details of a type the registry does not know keep their bytes as
 * `{ "@type", "value": base64 }`. google.rpc.DebugInfo (stack traces) is dropped: REST answers
 * never carry one.
 */
export function restErrorBody(error: ConnectError, registry: Registry = errorDetailRegistry): RestErrorBody {
  const details: JsonObject[] = [];
  for (const detail of error.details) {
    const typeName = "desc" in detail ? detail.desc.typeName : detail.type;
    if (withheldTypes.has(typeName)) continue;
    details.push(
      "desc" in detail ? detailJson(detail.desc, create(detail.desc, detail.value)) : decodeDetail(detail, registry),
    );
  }
  return { code: codeToString(error.code), message: error.rawMessage, details };
}

/**
 * connectErrorFromResponse parses the body of a Connect unary error answer. A body that is not a
 * Connect error (it never should be) becomes an error with the code Connect maps the HTTP status to.
 */
export function connectErrorFromResponse(status: number, body: Uint8Array): ConnectError {
  const fallback = new ConnectError(`HTTP ${status}`, codeFromHttpStatus(status));
  try {
    return errorFromJsonBytes(body, undefined, fallback);
  } catch {
    return fallback;
  }
}

function decodeDetail(detail: { type: string; value: Uint8Array }, registry: Registry): JsonObject {
  const desc = registry.getMessage(detail.type);
  if (desc) {
    try {
      return detailJson(desc, fromBinary(desc, detail.value));
    } catch {
      // Undecodable bytes: fall through and hand them on as they are.
    }
  }
  return { "@type": typeUrlPrefix + detail.type, value: base64Encode(detail.value) };
}

function detailJson(desc: DescMessage, message: Message): JsonObject {
  const json: JsonValue = toJson(desc, message);
  // Any's JSON: an ordinary message's fields sit beside "@type"; a custom-JSON one goes in "value".
  const isObject = typeof json === "object" && json !== null && !Array.isArray(json);
  const type = typeUrlPrefix + desc.typeName;
  return isObject ? { "@type": type, ...json } : { "@type": type, value: json };
}
