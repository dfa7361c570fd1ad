/**
 * address-limiter.ts limits client addresses before anyone is authenticated, where no organisation
 * or user can be counted: calls of public RPCs (each costs the address a token) and failed
 * authentications (each bad or unknown key or cookie costs one). Both are GCRA buckets in the shared
 * rate limiter (Redis, or its in-process twin), keyed by the address group of RequestInfo (IPv6 by /64).
 *
 * An address whose failure budget is spent is remembered here until its next token is due, so its
 * next credentials are refused before any lookup and without asking Redis: a flood of made-up keys
 * costs neither queries nor round trips. The memory is per replica; another replica learns of the
 * spent budget from Redis on its next failure from that address, after at most one lookup.
 */
import type { Metrics } from "../platform/observability/metrics.js";
import { emissionMs, type Limit, toleranceMs } from "../platform/rate-limit/gcra.js";
import type { RateLimiter } from "../platform/rate-limit/rate-limiter.js";
import { type LimitedSubject, rateLimitHeaders, rateLimitRefusal } from "./rate-limit-answer.js";

export interface AddressLimiterOptions {
  limiter: RateLimiter;
  /** Failed authentications per address. */
  failedAuthLimit: Limit;
  /** Calls of public RPCs per address. */
  publicLimit: Limit;
  metrics: Metrics;
  /** Addresses remembered as spent at once (default 10,000); the oldest are forgotten first. */
  maxBlocked?: number;
  now?: () => number;
}

/** A refusal with the headers its answer carries. */
export interface AddressRefusal {
  error: Error;
  headers: Record<string, string>;
}

/** AddressLimiter charges addresses and says when they are refused. */
export class AddressLimiter {
  /** Address group → when its next failure would be admitted (ms, this process's clock). */
  private readonly blockedUntil = new Map<string, number>();
  private readonly maxBlocked: number;
  private readonly now: () => number;

  constructor(private readonly options: AddressLimiterOptions) {
    this.maxBlocked = options.maxBlocked ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** isSpent says, from this replica's memory alone, whether the address's failure budget is spent. */
  isSpent(group: string): boolean {
    const until = this.blockedUntil.get(group);
    return until !== undefined && until > this.now();
  }

  /**
   * spent returns the refusal for an address whose failure budget is known to be spent, at once and
   * without Redis; undefined when it may still fail (or has not failed lately).
   */
  spent(group: string): AddressRefusal | undefined {
    const until = this.blockedUntil.get(group);
    if (until === undefined) return undefined;
    const waitMs = until - this.now();
    if (waitMs <= 0) {
      this.blockedUntil.delete(group);
      return undefined;
    }
    const subject = this.failedAuthSubject(group);
    this.options.metrics.rateLimited.inc({ subject: subject.policy });
    return {
      error: rateLimitRefusal(subject, waitMs, "failed authentications"),
      headers: rateLimitHeaders(subject, { allowed: false, remaining: 0, resetMs: waitMs, retryAfterMs: waitMs }),
    };
  }

  /**
   * failed charges one failed authentication to the address. It returns the refusal when the budget
   * was already spent (the caller answers 429 instead of 401), undefined when the failure fitted.
   */
  async failed(group: string): Promise<AddressRefusal | undefined> {
    const known = this.spent(group);
    if (known) return known;
    const subject = this.failedAuthSubject(group);
    const decision = await this.options.limiter.check(`fa:${group}`, subject.limit);
    if (decision.allowed && decision.remaining > 0) return undefined;
    // The last token went (or none was left): remember until the next one is due, so the next
    // credentials from this address are refused before they are looked up.
    const { limit } = subject;
    const waitMs = decision.allowed ? decision.resetMs + emissionMs(limit) - toleranceMs(limit) : decision.retryAfterMs;
    this.remember(group, this.now() + waitMs);
    if (decision.allowed) return undefined;
    this.options.metrics.rateLimited.inc({ subject: subject.policy });
    return {
      error: rateLimitRefusal(subject, decision.retryAfterMs, "failed authentications"),
      headers: rateLimitHeaders(subject, decision),
    };
  }

  /** publicCall charges one call of a public RPC; the answer's headers, and the error when refused. */
  async publicCall(group: string): Promise<{ headers: Record<string, string>; error: Error | undefined }> {
    const subject: LimitedSubject = { name: `address:${group}`, policy: "public", limit: this.options.publicLimit };
    const decision = await this.options.limiter.check(`pub:${group}`, subject.limit);
    const headers = rateLimitHeaders(subject, decision);
    if (decision.allowed) return { headers, error: undefined };
    this.options.metrics.rateLimited.inc({ subject: subject.policy });
    return { headers, error: rateLimitRefusal(subject, decision.retryAfterMs) };
  }

  /** Addresses remembered as spent (for tests of the bound). */
  get blockedCount(): number {
    return this.blockedUntil.size;
  }

  private failedAuthSubject(group: string): LimitedSubject {
    return { name: `address:${group}`, policy: "failed_auth", limit: this.options.failedAuthLimit };
  }

  private remember(group: string, until: number): void {
    this.blockedUntil.delete(group);
    this.blockedUntil.set(group, until);
    // Insertion order is age: forget the oldest first, whose waits are the nearest to ending anyway.
    while (this.blockedUntil.size > this.maxBlocked) {
      const oldest = this.blockedUntil.keys().next().value;
      if (oldest === undefined) break;
      this.blockedUntil.delete(oldest);
    }
  }
}
