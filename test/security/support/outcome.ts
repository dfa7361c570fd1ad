/**
 * outcome.ts is what one call ended with, in the same shape whatever the transport, and the verdicts
 * the security suite gives on it: refused as UNAUTHENTICATED, refused as PERMISSION_DENIED with a
 * named reason, let through authorization, NOT_FOUND, or refused as RESOURCE_EXHAUSTED. Failure
 * messages name the RPC, transport, case, what was expected and the whole answer, so a red line says
 * what the server did without a debugger.
 */
import type { JsonValue } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { codeToString } from "@connectrpc/connect/protocol-connect";
import { expect } from "vitest";

/** The three ways the suite reaches the server. */
export const transportNames = ["REST", "Connect", "gRPC"] as const;
export type TransportName = (typeof transportNames)[number];

/** Outcome is one call's answer, normalised across transports. */
export interface Outcome {
  transport: TransportName;
  /** The Connect/gRPC code (their numbers are the same); undefined when the call succeeded. */
  code: Code | undefined;
  /** The HTTP status on REST and Connect; undefined on gRPC (which answers HTTP 200 with a grpc-status). */
  httpStatus: number | undefined;
  /** The error message as sent, without Connect's "[code]" prefix; "" on success. */
  message: string;
  /** The google.rpc.ErrorInfo detail, when the error carries one. */
  errorInfo: { reason: string; metadata: Record<string, string> } | undefined;
  /** The WWW-Authenticate header; undefined where the transport does not show headers to callers. */
  wwwAuthenticate: string | null | undefined;
  /** The Retry-After header (REST, Connect) or trailer (gRPC); null when absent. */
  retryAfter: string | null;
  /** The google.rpc.RetryInfo delay in ms, when the error carries one. */
  retryDelayMs: number | undefined;
  /** The subjects of the google.rpc.QuotaFailure detail, when the error carries one. */
  quotaSubjects: string[] | undefined;
  /** A successful call's response in proto3 JSON (as REST sends it); undefined for errors. */
  response: JsonValue | undefined;
  /** The answer as received, for failure messages. */
  raw: unknown;
}

/** codeName spells a code as the contract does: UNAUTHENTICATED, PERMISSION_DENIED, OK. */
export function codeName(code: Code | undefined): string {
  return code === undefined ? "OK" : codeToString(code).toUpperCase();
}

/** describeOutcome renders an outcome on one line, for failure messages. */
export function describeOutcome(outcome: Outcome): string {
  const status = outcome.httpStatus === undefined ? "" : `HTTP ${outcome.httpStatus} `;
  const info = outcome.errorInfo
    ? ` ErrorInfo ${outcome.errorInfo.reason} ${JSON.stringify(outcome.errorInfo.metadata)}`
    : "";
  return `${status}${codeName(outcome.code)} ${JSON.stringify(outcome.message)}${info}; raw answer: ${printable(outcome.raw)}`;
}

/** printable is JSON that survives the int64 fields (bigint) of a successful answer. */
function printable(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}

function failureContext(context: string, expected: string, outcome: Outcome): string {
  return `${context}: expected ${expected}\n      got ${describeOutcome(outcome)}`;
}

/**
 * expectUnauthenticated: code UNAUTHENTICATED, HTTP 401 on REST, and a Bearer challenge wherever
 * the transport shows headers (RFC 6750 §3: a 401 must tell the client which scheme to use).
 */
export function expectUnauthenticated(outcome: Outcome, context: string): void {
  const where = failureContext(context, "UNAUTHENTICATED (HTTP 401, WWW-Authenticate: Bearer)", outcome);
  expect(codeName(outcome.code), where).toBe("UNAUTHENTICATED");
  if (outcome.transport !== "gRPC") expect(outcome.httpStatus, where).toBe(401);
  if (outcome.wwwAuthenticate !== undefined)
    expect(outcome.wwwAuthenticate ?? "(no WWW-Authenticate header)", where).toMatch(/^Bearer(\s|$)/i);
}

/**
 * expectPermissionDenied: code PERMISSION_DENIED, HTTP 403 on REST, and an ErrorInfo with the reason
 * and (at least) the metadata given, so callers can tell which scope or role to ask for.
 */
export function expectPermissionDenied(
  outcome: Outcome,
  reason: string,
  metadata: Record<string, string>,
  context: string,
): void {
  const where = failureContext(
    context,
    `PERMISSION_DENIED (HTTP 403) with ErrorInfo ${reason} ${JSON.stringify(metadata)}`,
    outcome,
  );
  expect(codeName(outcome.code), where).toBe("PERMISSION_DENIED");
  if (outcome.transport !== "gRPC") expect(outcome.httpStatus, where).toBe(403);
  expect(outcome.errorInfo?.reason, where).toBe(reason);
  expect(outcome.errorInfo?.metadata, where).toMatchObject(metadata);
}

/** expectMissingScope: PERMISSION_DENIED with reason MISSING_SCOPE naming the scope in required_scope. */
export function expectMissingScope(outcome: Outcome, scope: string, context: string): void {
  expectPermissionDenied(outcome, "MISSING_SCOPE", { required_scope: scope }, context);
}

/**
 * Codes that mean the call got through authentication and authorization and was then answered by
 * the handler. INTERNAL and UNKNOWN are left out on purpose: a handler crashing on an empty request is
 * a bug the suite should surface, not an answer it should accept. So is UNIMPLEMENTED: every RPC of
 * the contract is built, so one answering it has lost its handler, and accepting it would let that
 * RPC pass every "gets through" case without its handler ever running.
 */
const answeredAfterAuthorization = new Set<Code | undefined>([
  undefined,
  Code.NotFound,
  Code.InvalidArgument,
  Code.FailedPrecondition,
  Code.AlreadyExists,
  Code.Aborted,
  Code.OutOfRange,
  Code.ResourceExhausted,
]);

/** expectPassesAuthorization: the call was neither UNAUTHENTICATED nor PERMISSION_DENIED. */
export function expectPassesAuthorization(outcome: Outcome, context: string): void {
  const where = failureContext(
    context,
    "to pass authentication and authorization and be answered by its handler (OK, NOT_FOUND, INVALID_ARGUMENT, FAILED_PRECONDITION…; not UNIMPLEMENTED)",
    outcome,
  );
  expect(answeredAfterAuthorization.has(outcome.code), where).toBe(true);
  if (outcome.transport !== "gRPC") expect([401, 403], where).not.toContain(outcome.httpStatus);
}

/** expectNotFound: code NOT_FOUND, HTTP 404 on REST and Connect. */
export function expectNotFound(outcome: Outcome, context: string): void {
  const where = failureContext(context, "NOT_FOUND (HTTP 404)", outcome);
  expect(codeName(outcome.code), where).toBe("NOT_FOUND");
  if (outcome.transport !== "gRPC") expect(outcome.httpStatus, where).toBe(404);
}

/**
 * expectResourceExhausted: code RESOURCE_EXHAUSTED, HTTP 429 on REST and Connect, Retry-After in whole
 * seconds (a header on REST and Connect, a trailer on gRPC), a google.rpc.RetryInfo with a positive
 * delay, and an ErrorInfo with the reason; with a quota subject, also a QuotaFailure naming it.
 */
export function expectResourceExhausted(
  outcome: Outcome,
  expected: { reason: string; quotaSubject?: string },
  context: string,
): void {
  const quota = expected.quotaSubject === undefined ? "" : `, QuotaFailure ${expected.quotaSubject}`;
  const where = failureContext(
    context,
    `RESOURCE_EXHAUSTED (HTTP 429, Retry-After, RetryInfo${quota}, ErrorInfo ${expected.reason})`,
    outcome,
  );
  expect(codeName(outcome.code), where).toBe("RESOURCE_EXHAUSTED");
  if (outcome.transport !== "gRPC") expect(outcome.httpStatus, where).toBe(429);
  expect(outcome.retryAfter ?? "(no Retry-After)", where).toMatch(/^[1-9]\d*$/);
  expect(outcome.retryDelayMs ?? 0, where).toBeGreaterThan(0);
  expect(outcome.errorInfo?.reason, where).toBe(expected.reason);
  if (expected.quotaSubject !== undefined) expect(outcome.quotaSubjects, where).toEqual([expected.quotaSubject]);
}
