/**
 * grpc-message.ts re-encodes the `grpc-message` of gRPC responses the way the gRPC HTTP/2 spec
 * says: UTF-8, then percent-encoding of only the bytes outside printable ASCII (0x20–0x7E) and of
 * "%" itself.
 *
 * Why: connect-node writes the message with encodeURIComponent, which also encodes ":", "/", ","
 * and friends; @grpc/grpc-js decodes it with decodeURI, which leaves those escapes in place. So
 * "this call needs the scope alerts:write" reached grpc-js callers (agentOS among them) as
 * "…alerts%3Awrite". The spec's encoding decodes correctly with either function.
 */
import type { UniversalServerResponse } from "@connectrpc/connect/protocol";

const header = "grpc-message";

/** encodeGrpcMessage percent-encodes a status message as the gRPC spec does. */
export function encodeGrpcMessage(message: string): string {
  let out = "";
  for (const byte of Buffer.from(message, "utf8")) {
    out +=
      byte >= 0x20 && byte <= 0x7e && byte !== 0x25
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

function reencode(headers: Headers | undefined): void {
  const value = headers?.get(header);
  if (value === null || value === undefined) return;
  let message: string;
  try {
    message = decodeURIComponent(value);
  } catch {
    return; // Not ours to repair: leave it as it is.
  }
  headers!.set(header, encodeGrpcMessage(message));
}

/** withSpecGrpcMessage fixes `grpc-message` in the headers (trailers-only answers) and trailers of a response. */
export function withSpecGrpcMessage(response: UniversalServerResponse): UniversalServerResponse {
  reencode(response.header);
  reencode(response.trailer);
  return response;
}
