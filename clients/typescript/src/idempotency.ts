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

const secretBearing = new Set(["dd.v1.ApiKeyService/CreateApiKey", "dd.v1.ApiKeyService/RotateApiKey"]);

/** takesIdempotencyKey says whether the service accepts an Idempotency-Key on `method`. */
export function takesIdempotencyKey(method: DescMethod): boolean {
  if (method.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS) return false;
  if (method.parent.typeName === "dd.v1.SessionService") return false;
  if (secretBearing.has(`${method.parent.typeName}/${method.name}`)) return false;
  const rule = hasOption(method, access) ? getOption(method, access).rule : undefined;
  return !(rule?.case === "public" && rule.value);
}

/** idempotencyKeyInterceptor adds a fresh key to each write that takes one and has none yet. */
export function idempotencyKeyInterceptor(newKey: () => string = () => crypto.randomUUID()): Interceptor {
  return (next) => (req) => {
    if (!req.stream && takesIdempotencyKey(req.method) && !req.header.has(idempotencyKeyHeader))
      req.header.set(idempotencyKeyHeader, newKey());
    return next(req);
  };
}
