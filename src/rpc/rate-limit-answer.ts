/**
 * rate-limit-answer.ts is the one shape of every rate-limit answer, whoever is counted (an
 * organisation, a user, a client address): RateLimit-Policy and RateLimit headers (IETF httpapi
 * draft) on every limited answer, and for a refusal RESOURCE_EXHAUSTED (HTTP 429) with Retry-After,
 * RetryInfo, QuotaFailure naming the subject and ErrorInfo RATE_LIMITED. So a client handles a 429
 * the same way whichever limit it hit.
 */
import { ResourceExhaustedError } from "../modules/errors.js";
import type { Decision, Limit } from "../platform/rate-limit/gcra.js";

/** LimitedSubject is who a limit counts, as answers name it. */
export interface LimitedSubject {
  /** Names the quota in errors: "organisation:OR…", "user:US…", "address:203.0.113.7". */
  name: string;
  /** The RateLimit-Policy name: "organisation", "user", "failed_auth", "public". */
  policy: string;
  limit: Limit;
}

/** rateLimitHeaders are the RateLimit-Policy and RateLimit headers for a decision. */
export function rateLimitHeaders(subject: LimitedSubject, decision: Decision): Record<string, string> {
  return {
    "ratelimit-policy": `"${subject.policy}";q=${subject.limit.perMinute};w=60`,
    ratelimit: `"${subject.policy}";r=${decision.remaining};t=${Math.ceil(decision.resetMs / 1000)}`,
  };
}

/** rateLimitRefusal is the error of a refused decision (errors.ts maps it to 429 with Retry-After). */
export function rateLimitRefusal(
  subject: LimitedSubject,
  retryAfterMs: number,
  what = "requests",
): ResourceExhaustedError {
  const { limit } = subject;
  const retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new ResourceExhaustedError(
    "RATE_LIMITED",
    `rate limit of ${limit.perMinute} ${what} per minute (burst ${limit.burst}) exceeded for ${subject.name}; retry after ${retryAfterSeconds} s`,
    retryAfterMs,
    { quota: String(limit.perMinute), window_seconds: "60", burst: String(limit.burst) },
    [{ subject: subject.name, description: `more than ${limit.perMinute} ${what} per minute` }],
  );
}
