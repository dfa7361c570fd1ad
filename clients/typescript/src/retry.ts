/**
 * retry.ts is the client's retry policy, as a Connect interceptor: a call the service refused
 * before doing anything (RESOURCE_EXHAUSTED: over the rate limit) is sent again no sooner than the
 * service said (Retry-After, RetryInfo); a call that may have been cut off (UNAVAILABLE) or found
 * its twin still running (ABORTED IDEMPOTENCY_KEY_IN_USE) is sent again only when sending it twice
 * cannot do twice what it does: a read, or a write carrying its Idempotency-Key. Waits grow
 * exponentially with full jitter, within a number of attempts and an overall deadline. Nothing
 * else is retried.
 */

import { MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { ErrorInfoSchema, RetryInfoSchema } from "./gen/google/rpc/error_details_pb.js";
import { idempotencyKeyHeader } from "./idempotency.js";

/** RetryOptions bound the retries of one logical call. */
export interface RetryOptions {
  /** Sends in all, the first included (default 5; 1 turns retries off). */
  maxAttempts?: number;
  /** The whole call, attempts and waits, gives up after this (default 30 s): the transport's timeout. */
  deadlineMs?: number;
  /** The first back-off's ceiling (default 200 ms); it doubles each attempt. */
  baseDelayMs?: number;
  /** No back-off waits longer than this (default 10 s), unless the service asks for longer. */
  maxDelayMs?: number;
  /** For tests: the wait and the randomness. */
  sleep?: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
  random?: () => number;
}

/** The policy's defaults; deadlineMs is also each call's timeout (clients.ts). */
export const retryDefaults = { maxAttempts: 5, deadlineMs: 30_000, baseDelayMs: 200, maxDelayMs: 10_000 };

/** sleep waits `ms`, or rejects when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

/**
 * serviceWaitMs is how long the service asked the caller to wait: the longer of its RetryInfo (to
 * the millisecond) and its Retry-After header (whole seconds, rounded up); undefined when it said
 * nothing.
 */
export function serviceWaitMs(error: ConnectError): number | undefined {
  const [info] = error.findDetails(RetryInfoSchema);
  const fromInfo = info?.retryDelay
    ? Number(info.retryDelay.seconds) * 1000 + Math.ceil(info.retryDelay.nanos / 1e6)
    : undefined;
  const header = error.metadata.get("retry-after");
  const seconds = header === null ? Number.NaN : Number(header);
  const fromHeader = Number.isFinite(seconds) ? seconds * 1000 : undefined;
  if (fromInfo === undefined) return fromHeader;
  return fromHeader === undefined ? fromInfo : Math.max(fromInfo, fromHeader);
}

/** retryable says whether a call that failed with `error` may be sent again, and `safe` says whether a repeat cannot act twice. */
function retryable(error: ConnectError, safe: boolean): boolean {
  // Over the rate limit (the service names a wait): refused before anything ran, so always safe to
  // send again. Other exhaustion (a request too large) would fail the same way every time.
  if (error.code === Code.ResourceExhausted) return serviceWaitMs(error) !== undefined;
  if (!safe) return false;
  if (error.code === Code.Unavailable) return true;
  if (error.code === Code.Aborted)
    return error.findDetails(ErrorInfoSchema).some((info) => info.reason === "IDEMPOTENCY_KEY_IN_USE");
  return false;
}

/** retryInterceptor retries unary calls by the policy of the file comment. */
export function retryInterceptor(options: RetryOptions = {}): Interceptor {
  const { maxAttempts, deadlineMs, baseDelayMs, maxDelayMs } = { ...retryDefaults, ...options };
  const wait = options.sleep ?? sleep;
  const random = options.random ?? Math.random;
  return (next) => async (req) => {
    if (req.stream) return next(req);
    const started = Date.now();
    const safe =
      req.method.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS ||
      req.header.get(idempotencyKeyHeader) !== null;
    for (let attempt = 1; ; attempt++) {
      try {
        return await next(req);
      } catch (cause) {
        const error = ConnectError.from(cause);
        if (attempt >= maxAttempts || !retryable(error, safe)) throw error;
        // Full jitter: anywhere from 0 to the exponential ceiling, after what the service asked for,
        // so that the callers it throttled together do not all come back at the same moment.
        const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
        const delay = (serviceWaitMs(error) ?? 0) + random() * ceiling;
        if (Date.now() - started + delay > deadlineMs) throw error;
        await wait(delay, req.signal);
      }
    }
  };
}
