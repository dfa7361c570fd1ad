/**
 * idempotency.ts gives every logical write its Idempotency-Key: one key per call, set before the
 * retry interceptor runs, so every retry of that call sends the same key and the service does the
 * write once. Only where the service takes a key: not on reads, public RPCs, the signed-in person's
 * own session, or the RPCs whose answer holds a one-time secret (the service refuses a key there).
 */
import { type DescMethod, getOption, hasOption } from "@bufbuild/protobuf";
import { MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";
import type { Interceptor } from "@connectrpc/connect";
import { access } from "./gen/dd/v1/access_pb.js";

export const idempotencyKeyHeader = "Idempotency-Key";

/** takesIdempotencyKey says whether the service accepts an Idempotency-Key on `method`. */
export function takesIdempotencyKey(method: DescMethod): boolean {
  if (method.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS) return false;
  if (method.parent.typeName === "dd.v1.SessionService") return false;
  // An answer with a one-time `secret` (API keys, webhook signing secrets) is never stored for replay.
  if (method.output.fields.some((field) => field.name === "secret")) return false;
  const rule = hasOption(method, access) ? getOption(method, access).rule : undefined;
  return !(rule?.case === "public" && rule.value);
}

/** idempotencyKeyInterceptor adds a fresh key to each write that takes one and has none yet. */
export function idempotencyKeyInterceptor(newKey: () => string = randomKey): Interceptor {
  return (next) => (req) => {
    if (!req.stream && takesIdempotencyKey(req.method) && !req.header.has(idempotencyKeyHeader))
      req.header.set(idempotencyKeyHeader, newKey());
    return next(req);
  };
}

/** randomKey is a random UUID (v4); also on plain-http pages, where crypto.randomUUID is missing. */
function randomKey(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
