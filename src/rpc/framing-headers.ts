/**
 * framing-headers.ts names the response headers a protocol sets to frame an answer: its content
 * type, length and encodings, and Connect's and gRPC's own. A handler's answer is stripped of them
 * before the REST transcoder frames it again, and before idempotency stores it for a replay.
 */

/** isFramingHeader says whether a lower-case response header name belongs to the protocol's framing. */
export function isFramingHeader(name: string): boolean {
  return (
    name === "content-type" ||
    name === "content-length" ||
    name === "content-encoding" ||
    name === "accept-encoding" ||
    name.startsWith("connect-") ||
    name.startsWith("grpc-")
  );
}
