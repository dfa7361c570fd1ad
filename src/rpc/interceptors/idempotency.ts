/**
 * idempotency.ts honours the Idempotency-Key request header with Stripe's semantics, on every unary
 * RPC that is not `idempotency_level = NO_SIDE_EFFECTS` (creates and custom writes; reads ignore the
 * header entirely). A request without the header behaves exactly as before.
 *
 * - First call with a key: claim it (exactly one of concurrent callers wins), run the handler, store
 *   the answer: the response message, or a client error whose outcome a retry cannot change
 *   (INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION, OUT_OF_RANGE). Any other
 *   error (INTERNAL, UNAVAILABLE, ABORTED, …) releases the key so a retry runs the call again.
 * - Same key, same method and request: the stored answer (same message bytes, same error), with
 *   `Idempotent-Replayed: true`.
 * - Same key, another method or request: INVALID_ARGUMENT, ErrorInfo IDEMPOTENCY_KEY_REUSED.
 * - Same key while the first call runs: ABORTED, ErrorInfo IDEMPOTENCY_KEY_IN_USE, Retry-After: 1.
 *
 * Keys are scoped per organisation, not per credential (Stripe scopes them per account): a retry
 * that comes with a rotated API key, or from another key of the same integration, still gets the
 * first answer. Authorization runs before this, so whoever gets a replay may make the call anyway.
 *
 * Not offered, and a key there is refused with INVALID_ARGUMENT IDEMPOTENCY_KEY_NOT_SUPPORTED rather
 * than silently ignored (the caller would wrongly believe a retry is safe):
 * - public methods (SignIn, CompleteMandateInvite): no organisation to scope the key to, and a
 *   client address is no identity (NAT, proxies). The invite's single-use token already keys it.
 * - methods whose answer carries a secret shown once (a `secret` field: CreateApiKey, RotateApiKey,
 *   CreateWebhookEndpoint, RotateWebhookEndpointSecret): storing the answer would keep a usable
 *   secret in the database for a day and show it twice. Encrypting it would still hand it out again
 *   to anyone holding the idempotency key; not storing it is safer.
 * - the session's own methods (SessionService: sign-out, password change, TOTP): they act on the
 *   signed-in person, while keys are shared by the organisation, so a colleague sending the same key
 *   would get that person's answer (a TOTP secret); and their requests hold passwords and codes,
 *   which a request fingerprint would keep as a fast hash.
 *
 * It runs after rate limit (replays count against the limit; refusals never touch the database) and
 * before tenant scope. The claim commits on its own, before the handler runs, so concurrent callers
 * see it; a success is stored in the call's own transaction (kBeforeCommit), so a write and its
 * record commit together; errors and releases are written on their own after the rollback. A
 * replayed success still travels through the handler path (replay-routes.ts), so each protocol adds
 * its own framing headers; a replayed error is thrown from here. The request fingerprint is taken
 * from the decoded message (request-fingerprint.ts), so REST, Connect and gRPC share one record.
 * Methods registered outside ReplayRoutes (the UNIMPLEMENTED stubs) are passed through untouched.
 */
import { create, type DescMethod, fromBinary, toBinary } from "@bufbuild/protobuf";
import { MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { AbortedError, InvalidArgumentError } from "../../modules/errors.js";
import type { IdempotencyService, Outcome } from "../../modules/idempotency/idempotency.service.js";
import type { StoredMetadata } from "../../modules/idempotency/idempotency-record.entity.js";
import type { Logger } from "../../platform/observability/logger.js";
import { accessRuleOf } from "../access.js";
import { kBeforeCommit, kCaller, kRequestInfo, requireActing } from "../context.js";
import { toConnectError } from "../errors.js";
import { isFramingHeader } from "../framing-headers.js";
import type { ReplayRoutes } from "../replay-routes.js";
import { requestFingerprint } from "../request-fingerprint.js";
import { errorDetailRegistry } from "../rest/error-body.js";

/** The request header, as clients send it. */
export const idempotencyKeyHeader = "Idempotency-Key";
/** The response header (and gRPC metadata) that marks a replayed answer. */
export const replayedHeader = "Idempotent-Replayed";

/**
 * returnsSecret says whether a method's answer holds a secret shown once: its response has a field
 * named `secret`. Read from the contract, so a new such method is covered without a list to update.
 */
export function returnsSecret(method: DescMethod): boolean {
  return method.output.fields.some((field) => field.name === "secret");
}

/** The session's own methods: the key is refused on each of them (see the file comment). */
const sessionService = "dd.v1.SessionService";

/**
 * idempotencyKeyRefusal says why `method` refuses an Idempotency-Key header, or undefined when it
 * takes one: what the interceptor answers, and what the OpenAPI document offers. Reads
 * (NO_SIDE_EFFECTS) ignore the header rather than refuse it, and take none either.
 */
export function idempotencyKeyRefusal(method: DescMethod): string | undefined {
  if (method.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS) return "it changes nothing";
  // Public RPCs have no caller, hence no organisation to scope the key to.
  if (accessRuleOf(method)?.kind === "public") return "it is public (no organisation to scope the key to)";
  if (method.parent.typeName === sessionService)
    return "it acts on the signed-in person, while keys are shared by the organisation";
  if (returnsSecret(method)) return "its answer holds a secret shown only once";
  return undefined;
}

/** Error codes that are answers to the request itself: stored and replayed. Any other code releases the key. */
const storedErrorCodes: ReadonlySet<Code> = new Set([
  Code.InvalidArgument,
  Code.NotFound,
  Code.AlreadyExists,
  Code.FailedPrecondition,
  Code.OutOfRange,
]);

const validKey = /^[\x20-\x7E]{1,255}$/;

export interface IdempotencyInterceptorOptions {
  idempotency: IdempotencyService;
  /** The routes that can serve a stored answer; methods registered elsewhere pass through untouched. */
  routes: ReplayRoutes;
  logger: Logger;
}

/** createIdempotencyInterceptor claims, replays or refuses calls that carry an Idempotency-Key. */
export function createIdempotencyInterceptor({
  idempotency,
  routes,
  logger,
}: IdempotencyInterceptorOptions): Interceptor {
  return (next) => async (req) => {
    if (req.stream || req.method.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS) return next(req);
    const key = req.header.get(idempotencyKeyHeader);
    if (key === null) return next(req);
    const method = `${req.service.typeName}/${req.method.name}`;
    const refusal = idempotencyKeyRefusal(req.method);
    if (refusal) throw notSupported(method, refusal);
    const caller = req.contextValues.get(kCaller);
    if (!caller) throw notSupported(method, "it is public (no organisation to scope the key to)");
    // Only unimplemented stubs and infrastructure are registered outside ReplayRoutes: nothing to protect.
    if (!routes.canReplay(req.method)) return next(req);
    if (!validKey.test(key)) throw invalidKey();

    const claim = await idempotency.claim({
      organisationId: caller.organisationId,
      key,
      method,
      requestHash: requestFingerprint(method, req.method.input, req.message),
      actor: requireActing(req).actor,
    });
    if (claim.kind === "reused") throw reused();
    if (claim.kind === "in_use") throw inUse();
    if (claim.kind === "replay") {
      const outcome = claim.outcome;
      if (outcome.kind === "error") throw replayedError(outcome);
      // The handler's wrapper returns the stored message; the protocol adds its own headers.
      routes.answerWith(req.contextValues, {
        message: fromBinary(req.method.output, outcome.body),
        header: outcome.metadata.header,
        trailer: outcome.metadata.trailer,
      });
      const res = await next(req);
      res.header.set(replayedHeader, "true");
      return res;
    }

    const requestId = req.contextValues.get(kRequestInfo)?.requestId;
    // A success is stored in the call's own transaction (tenant scope runs this just before it
    // commits), so the write and its record commit together: if the commit fails, neither happened
    // and a retry runs the call; if it succeeds, a retry replays it, even when the answer was lost.
    let stored = false;
    req.contextValues.set(kBeforeCommit, async (em, answer) => {
      const outcome: Outcome = {
        kind: "response",
        body: toBinary(req.method.output, answer.message as never),
        metadata: replayable(answer.header, answer.trailer),
      };
      // Taken over: another call with this key runs the same request now, so this one must not commit.
      if (!(await idempotency.complete(claim.lease, outcome, em))) throw inUse();
      stored = true;
    });
    // Errors and releases are written after the call's transaction rolled back. Should that fail
    // (the database went away), the record stays in progress until its lease runs out, and a retry
    // after that runs the call again: nothing of the first call was written.
    const settle = async (action: () => Promise<unknown>) => {
      try {
        await action();
      } catch (error) {
        logger.warn({ request_id: requestId, method, err: error }, "idempotency record not settled");
      }
    };
    let res: Awaited<ReturnType<typeof next>>;
    try {
      res = await next(req);
    } catch (error) {
      // The answer is what gets stored, so the error is mapped here; the errors interceptor passes
      // the ConnectError on as it is.
      const mapped = toConnectError(error);
      if (mapped && storedErrorCodes.has(mapped.code)) {
        await settle(async () => {
          if (!(await idempotency.complete(claim.lease, errorOutcome(mapped)))) {
            logger.warn({ request_id: requestId, method }, "idempotency record was taken over: answer not stored");
          }
        });
        throw mapped;
      }
      // Even when the answer was stored in the call's transaction: if the commit failed, the record
      // is still in progress and a retry must run the call; if it succeeded, the record no longer
      // holds this lease and nothing is deleted.
      await settle(() => idempotency.release(claim.lease));
      throw error;
    }
    if (!stored) await settle(() => idempotency.release(claim.lease));
    return res;
  };
}

/** replayedError rebuilds a stored error, marked Idempotent-Replayed; known details go out as they first did. */
function replayedError(outcome: Extract<Outcome, { kind: "error" }>): ConnectError {
  const header = new Headers(outcome.metadata.header);
  header.set(replayedHeader, "true");
  const details = outcome.details.map((d) => {
    const desc = errorDetailRegistry.getMessage(d.type);
    return desc ? { desc, value: fromBinary(desc, d.value) } : { type: d.type, value: d.value, debug: undefined };
  });
  const error = new ConnectError(outcome.message, outcome.code as Code, header);
  error.details = details;
  return error;
}

function errorOutcome(error: ConnectError): Outcome {
  return {
    kind: "error",
    code: error.code,
    message: error.rawMessage,
    details: error.details.map((d) =>
      "desc" in d
        ? { type: d.desc.typeName, value: toBinary(d.desc, createDetail(d)) }
        : { type: d.type, value: d.value },
    ),
    metadata: replayable(error.metadata, new Headers()),
  };
}

/** createDetail turns an outgoing detail's init value into a message (ConnectError keeps the init shape). */
function createDetail(detail: Extract<ConnectError["details"][number], { desc: unknown }>) {
  return create(detail.desc, detail.value);
}

/**
 * replayable keeps the headers and trailers a replay should carry: those the handler chose. Left
 * out: rate-limit headers (the outer interceptor sets fresh ones), Set-Cookie (may carry a
 * credential; never stored), framing and protocol headers, and the request id (each call has its own).
 */
function replayable(header: Headers, trailer: Headers): StoredMetadata {
  const keep = (source: Headers) => {
    const pairs: [string, string][] = [];
    source.forEach((value, name) => {
      if (!notReplayed(name.toLowerCase())) pairs.push([name.toLowerCase(), value]);
    });
    return pairs;
  };
  return { header: keep(header), trailer: keep(trailer) };
}

function notReplayed(name: string): boolean {
  return (
    name === "set-cookie" ||
    name === "retry-after" ||
    name === "x-request-id" ||
    name === "date" ||
    name === "vary" ||
    name === replayedHeader.toLowerCase() ||
    name.startsWith("ratelimit") ||
    name.startsWith("access-control-") ||
    isFramingHeader(name)
  );
}

/** headerRefusal refuses the Idempotency-Key header itself: INVALID_ARGUMENT naming it, with a reason. */
function headerRefusal(reason: string, description: string, metadata: Record<string, string> = {}) {
  return new InvalidArgumentError([{ field: idempotencyKeyHeader, description }], {
    message: `${idempotencyKeyHeader} header ${description}`,
    reason,
    metadata: { header: idempotencyKeyHeader, ...metadata },
  });
}

function invalidKey(): InvalidArgumentError {
  const description = "must be 1 to 255 printable ASCII characters (a UUID v4 is a good choice)";
  return headerRefusal("IDEMPOTENCY_KEY_INVALID", description);
}

function notSupported(method: string, why: string): InvalidArgumentError {
  const description = `not supported on ${method}: ${why}; send the request without it`;
  return headerRefusal("IDEMPOTENCY_KEY_NOT_SUPPORTED", description, { method });
}

function reused(): InvalidArgumentError {
  const description =
    "was already used with another method or other request parameters; use a new key for a new request";
  return headerRefusal("IDEMPOTENCY_KEY_REUSED", description);
}

function inUse(): AbortedError {
  return new AbortedError(
    "IDEMPOTENCY_KEY_IN_USE",
    "a request with this Idempotency-Key is still in progress; retry after 1 s",
    1000,
    { header: idempotencyKeyHeader },
  );
}
