/**
 * rate-limit.ts applies the caller's limit: API keys count against their organisation's limit
 * (per organisation, whatever the key or transport), signed-in users against a more generous
 * per-user limit. Every limited response carries RateLimit-Policy and RateLimit (IETF httpapi
 * draft), put on it by the errors interceptor; a refusal is RESOURCE_EXHAUSTED (HTTP 429) with
 * Retry-After, RetryInfo, QuotaFailure and ErrorInfo RATE_LIMITED. gRPC callers get the same values
 * as metadata and trailers.
 */

import type { Interceptor } from "@connectrpc/connect";
import type { Caller } from "../../modules/identity/caller.js";
import type { Metrics } from "../../platform/observability/metrics.js";
import type { Limit } from "../../platform/rate-limit/gcra.js";
import type { RateLimiter } from "../../platform/rate-limit/rate-limiter.js";
import { kAnswerHeaders, kCaller } from "../context.js";
import { rateLimitHeaders, rateLimitRefusal } from "../rate-limit-answer.js";

export interface RateLimitInterceptorOptions {
  limiter: RateLimiter;
  /** The organisation's limit (cached: this runs on every API-key request). */
  organisationLimit(organisationId: string): Limit | Promise<Limit>;
  /** The per-user limit for session callers. */
  sessionLimit: Limit;
  metrics: Metrics;
}

interface Subject {
  key: string;
  /** Names the quota in headers and errors: "organisation:OR…" or "user:US…". */
  name: string;
  policy: string;
  limit: Limit;
}

function organisationSubject(organisationId: string, limit: Limit): Subject {
  return { key: `org:${organisationId}`, name: `organisation:${organisationId}`, policy: "organisation", limit };
}

function subjectOf(caller: Caller, options: RateLimitInterceptorOptions): Subject | Promise<Subject> {
  if (caller.principal.kind === "api_key") {
    const limit = options.organisationLimit(caller.organisationId);
    if (!(limit instanceof Promise)) return organisationSubject(caller.organisationId, limit);
    return limit.then((loaded) => organisationSubject(caller.organisationId, loaded));
  }
  return {
    key: `user:${caller.principal.userId}`,
    name: `user:${caller.principal.userId}`,
    policy: "user",
    limit: options.sessionLimit,
  };
}

/** createRateLimitInterceptor limits every authenticated call; public calls have their own throttles. */
export function createRateLimitInterceptor(options: RateLimitInterceptorOptions): Interceptor {
  return (next) => async (req) => {
    const caller = req.contextValues.get(kCaller);
    if (!caller) return next(req);
    const found = subjectOf(caller, options);
    const subject = found instanceof Promise ? await found : found;
    const decision = await options.limiter.check(subject.key, subject.limit);
    // Left for the errors interceptor, which puts them on the answer whether the call succeeds or fails.
    req.contextValues.set(kAnswerHeaders, rateLimitHeaders(subject, decision));
    if (!decision.allowed) {
      options.metrics.rateLimited.inc({ subject: subject.policy });
      throw rateLimitRefusal(subject, decision.retryAfterMs);
    }
    return next(req);
  };
}
