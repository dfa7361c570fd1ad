/**
 * errors.ts is the one map from domain errors to ConnectError: a code, a message safe to show,
 * headers (Retry-After, WWW-Authenticate) and google.rpc details (RetryInfo, QuotaFailure,
 * BadRequest, ErrorInfo with the reason). A ConnectError passes through as it is, so an error is
 * mapped once, wherever it is first needed: the errors interceptor for every transport, or the
 * idempotency interceptor, which stores the answer. Anything it does not know becomes Internal with
 * a generic message; the cause goes to the log, never to the caller.
 */
import { type DescMethod, toJson } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  BadRequestSchema,
  ErrorInfoSchema,
  QuotaFailureSchema,
  RetryInfoSchema,
} from "../../gen/google/rpc/error_details_pb.js";
import {
  AbortedError,
  AlreadyExistsError,
  CredentialsRequiredError,
  type DomainError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  ReasonedError,
  ResourceExhaustedError,
  RetryLaterError,
  UnauthenticatedError,
} from "../modules/errors.js";
import { databaseFault, isNulCharacterRefusal } from "../platform/db/driver-errors.js";

/** ErrorInfo.domain of every error we raise. */
const errorDomain = "dd.v1";

/** The challenge a refused credential is answered with (RFC 6750). */
const bearerChallenge = 'Bearer realm="dd"';

const codes: [abstract new (...args: never[]) => DomainError, Code][] = [
  [NotFoundError, Code.NotFound],
  [InvalidArgumentError, Code.InvalidArgument],
  [CredentialsRequiredError, Code.Unauthenticated],
  [FailedPreconditionError, Code.FailedPrecondition],
  [PermissionDeniedError, Code.PermissionDenied],
  [UnauthenticatedError, Code.Unauthenticated],
  [AlreadyExistsError, Code.AlreadyExists],
  [AbortedError, Code.Aborted],
  [ResourceExhaustedError, Code.ResourceExhausted],
];

/** An outgoing google.rpc detail: its schema and an init value. */
type Detail = Extract<ConnectError["details"][number], { desc: unknown }>;

/** toConnectError maps a thrown value to what the caller sees; undefined means "unexpected". */
export function toConnectError(error: unknown): ConnectError | undefined {
  if (error instanceof ConnectError) return error;
  const code = codes.find(([type]) => error instanceof type)?.[1];
  if (code === undefined) return databaseFaultError(error);
  const known = error as DomainError;
  const header: Record<string, string> = {};
  const details: Detail[] = [];
  if (known instanceof RetryLaterError) {
    header["retry-after"] = String(Math.max(1, Math.ceil(known.retryAfterMs / 1000)));
    details.push({ desc: RetryInfoSchema, value: { retryDelay: durationFromMs(Math.ceil(known.retryAfterMs)) } });
  }
  if (known instanceof ResourceExhaustedError && known.quotaViolations.length > 0) {
    details.push({ desc: QuotaFailureSchema, value: { violations: known.quotaViolations.map((v) => ({ ...v })) } });
  }
  if (known instanceof InvalidArgumentError) {
    details.push({ desc: BadRequestSchema, value: { fieldViolations: known.violations.map((v) => ({ ...v })) } });
  }
  if (known instanceof CredentialsRequiredError) header["www-authenticate"] = bearerChallenge;
  if (known instanceof NotFoundError) details.push(errorInfo("NOT_FOUND", { resource: known.resource }));
  if ((known instanceof ReasonedError || known instanceof InvalidArgumentError) && known.reason !== undefined) {
    details.push(errorInfo(known.reason, known.metadata));
  }
  return new ConnectError(known.message, code, header, details);
}

/** How long a caller should wait before retrying while the database is away. */
const databaseRetryMs = 1_000;

/**
 * databaseFaultError answers a database that could not answer: UNAVAILABLE (retry shortly) or
 * DEADLINE_EXCEEDED (the statement ran too long). Nothing is half done (the call's transaction is
 * all or nothing), but a connection lost during COMMIT leaves unknown whether it happened: hence
 * the advice to retry writes with their Idempotency-Key. Neither names the database's words.
 */
function databaseFaultError(error: unknown): ConnectError | undefined {
  const fault = databaseFault(error);
  if (fault === "timeout") {
    return new ConnectError("the database took too long to answer", Code.DeadlineExceeded, undefined, [
      errorInfo("DATABASE_TIMEOUT", {}),
    ]);
  }
  if (fault !== "unavailable") return undefined;
  return new ConnectError(
    "the database is unavailable; try again shortly (a write with the same Idempotency-Key, so that it happens once)",
    Code.Unavailable,
    { "retry-after": String(databaseRetryMs / 1000) },
    [
      errorInfo("DATABASE_UNAVAILABLE", {}),
      { desc: RetryInfoSchema, value: { retryDelay: durationFromMs(databaseRetryMs) } },
    ],
  );
}

function errorInfo(reason: string, metadata: Readonly<Record<string, string>>): Detail {
  return { desc: ErrorInfoSchema, value: { reason, domain: errorDomain, metadata: { ...metadata } } };
}

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
  if (!isNulCharacterRefusal(error)) return undefined;
  const json = JSON.stringify(toJson(request.method.input, request.message as never));
  if (!json.includes("\\u0000")) return undefined;
  return new ConnectError(
    "the request holds a NUL character (U+0000), which no field accepts",
    Code.InvalidArgument,
    undefined,
    [errorInfo("NUL_CHARACTER", {})],
  );
}
