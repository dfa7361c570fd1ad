/**
 * errors.ts is the one map from domain errors to ConnectError: a code, a message safe to show, and
 * google.rpc details (ErrorInfo with the reason, BadRequest with field violations). Anything it does
 * not know becomes Internal with a generic message; the cause goes to the log, never to the caller.
 */
import { type DescMethod, toJson } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema, ErrorInfoSchema, RetryInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import {
  AbortedError,
  AlreadyExistsError,
  DomainError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  ResourceExhaustedError,
  UnauthenticatedError,
} from "../modules/errors.js";

/** ErrorInfo.domain of every error we raise. */
export const errorDomain = "dd.v1";

/** errorInfo builds the ErrorInfo detail for a reason. */
export function errorInfo(reason: string, metadata: Readonly<Record<string, string>> = {}) {
  return { desc: ErrorInfoSchema, value: { reason, domain: errorDomain, metadata: { ...metadata } } };
}

/** toConnectError maps a thrown value to what the caller sees; undefined means "unexpected". */
export function toConnectError(error: unknown): ConnectError | undefined {
  if (error instanceof ConnectError) return error;
  if (!(error instanceof DomainError)) return undefined;
  if (error instanceof NotFoundError) {
    return new ConnectError(error.message, Code.NotFound, undefined, [
      errorInfo("NOT_FOUND", { resource: error.resource }),
    ]);
  }
  if (error instanceof InvalidArgumentError) {
    return new ConnectError(error.message, Code.InvalidArgument, undefined, [
      { desc: BadRequestSchema, value: { fieldViolations: error.violations.map((v) => ({ ...v })) } },
    ]);
  }
  if (error instanceof ResourceExhaustedError) {
    const seconds = Math.max(1, Math.ceil(error.retryAfterSeconds));
    return new ConnectError(error.message, Code.ResourceExhausted, { "retry-after": String(seconds) }, [
      { desc: RetryInfoSchema, value: { retryDelay: { seconds: BigInt(seconds) } } },
      errorInfo(error.reason, error.metadata),
    ]);
  }
  const code = reasonedCodes.find(([type]) => error instanceof type)?.[1];
  if (code !== undefined && "reason" in error) {
    const { reason, metadata } = error as FailedPreconditionError;
    return new ConnectError(error.message, code, undefined, [errorInfo(reason, metadata)]);
  }
  return undefined;
}

/**
 * PostgreSQL's answers to a NUL (U+0000) in text: as a query parameter the wire protocol refuses it
 * (08P01), in varchar or jsonb the server does (22021, 22P05).
 */
const nulRefusals: ReadonlySet<string> = new Set(["08P01", "22021", "22P05"]);

/**
 * nulInRequest maps a database refusal caused by a NUL in the request to INVALID_ARGUMENT.
 * Handlers check the fields they store; this catches the rest (an id or a filter with a NUL)
 * instead of answering INTERNAL. It looks at the request only on this error path, and only
 * answers when the request really holds a NUL, so genuine protocol errors stay INTERNAL.
 */
export function nulInRequest(
  error: unknown,
  request: { method: DescMethod; message: unknown },
): ConnectError | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== "string" || !nulRefusals.has(code)) return undefined;
  const json = JSON.stringify(toJson(request.method.input, request.message as never));
  if (!json.includes("\\u0000")) return undefined;
  return new ConnectError(
    "the request holds a NUL character (U+0000), which no field accepts",
    Code.InvalidArgument,
    undefined,
    [errorInfo("NUL_CHARACTER", {})],
  );
}

const reasonedCodes: [abstract new (...args: never[]) => DomainError, Code][] = [
  [FailedPreconditionError, Code.FailedPrecondition],
  [PermissionDeniedError, Code.PermissionDenied],
  [UnauthenticatedError, Code.Unauthenticated],
  [AbortedError, Code.Aborted],
  [AlreadyExistsError, Code.AlreadyExists],
];
