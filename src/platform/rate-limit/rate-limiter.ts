/**
 * rate-limiter.ts decides whether a request fits its subject's limit. With Redis the decision is
 * shared by every replica (exact); without Redis (one replica) it is made in process. When Redis is
 * slow or failing, the limiter fails open to an in-process GCRA holding the limit divided by the
 * number of replicas (Stripe's rule: a limiter must never take the API down), records it in a metric,
 * logs once per episode, and goes back to Redis on its own (the local store mirrors the last shared
 * state of each subject, so a fallback continues from it rather than granting a fresh burst): after a failure it asks Redis again at
 * most every probeIntervalMs, one request at a time, while the others are decided locally. A request
 * never waits on Redis longer than timeoutMs.
 */
import type { Counter, Histogram } from "prom-client";
import type { Logger } from "../observability/logger.js";
import { TimeoutError, withTimeout } from "../with-timeout.js";
import type { Decision, Limit } from "./gcra.js";
import { LocalGcra } from "./local-gcra.js";
import { checkInRedis, type GcraClient, redisGcraKey } from "./redis-gcra.js";

export interface RateLimiterOptions {
  /** Shared store; undefined means this process is the only replica. */
  redis: GcraClient | undefined;
  keyPrefix: string;
  logger: Logger;
  /** Counts decisions made locally because Redis failed. */
  fallbacks: Counter<"reason">;
  /** Times every check, by the backend that decided it. */
  checkDuration?: Histogram<"backend">;
  /** Longest wait for Redis, ms (default 50). */
  timeoutMs?: number;
  /** Replicas sharing the limit, so each takes its share while Redis is away (default 1). */
  replicas?: number;
  /** How often to try Redis again while it is failing, ms (default 500). */
  probeIntervalMs?: number;
}

/** RateLimiter checks subjects ("org:OR…", "user:US…") against their limits. */
export class RateLimiter {
  private readonly local = new LocalGcra();
  private readonly timeoutMs: number;
  private readonly replicas: number;
  private readonly probeIntervalMs: number;
  /** Set while Redis is failing: when the next probe may go out. */
  private failingSince: number | undefined;
  private nextProbeAt = 0;
  private probing = false;

  constructor(private readonly options: RateLimiterOptions) {
    this.timeoutMs = options.timeoutMs ?? 50;
    this.replicas = Math.max(1, options.replicas ?? 1);
    this.probeIntervalMs = options.probeIntervalMs ?? 500;
  }

  /** usingRedis is false while decisions are made locally because Redis failed. */
  get usingRedis(): boolean {
    return this.options.redis !== undefined && this.failingSince === undefined;
  }

  async check(subject: string, limit: Limit, cost = 1): Promise<Decision> {
    const started = performance.now();
    const decision = await this.decide(subject, limit, cost);
    this.options.checkDuration?.observe({ backend: decision.backend }, (performance.now() - started) / 1000);
    return decision;
  }

  private async decide(subject: string, limit: Limit, cost: number): Promise<Decision & { backend: string }> {
    const redis = this.options.redis;
    if (!redis) return { ...this.local.check(subject, limit, cost), backend: "in_process" };
    if (this.failingSince !== undefined) {
      const now = Date.now();
      if (this.probing || now < this.nextProbeAt) return this.fallback(subject, limit, cost, "redis_unavailable");
      this.probing = true;
    }
    try {
      const decision = await withTimeout(
        checkInRedis(redis, redisGcraKey(this.options.keyPrefix, subject), limit, cost),
        this.timeoutMs,
        "Redis",
      );
      this.local.remember(subject, decision.resetMs);
      if (this.failingSince !== undefined) {
        this.options.logger.info(
          { after_ms: Date.now() - this.failingSince },
          "rate limiter: Redis answers again; limits are shared again",
        );
        this.failingSince = undefined;
      }
      return { ...decision, backend: "redis" };
    } catch (error) {
      if (this.failingSince === undefined) {
        this.failingSince = Date.now();
        this.options.logger.warn(
          { err: { message: error instanceof Error ? error.message : String(error) }, replicas: this.replicas },
          "rate limiter: Redis failed; limiting in process with each replica's share until it answers",
        );
      }
      this.nextProbeAt = Date.now() + this.probeIntervalMs;
      return this.fallback(subject, limit, cost, error instanceof TimeoutError ? "timeout" : "error");
    } finally {
      this.probing = false;
    }
  }

  private fallback(subject: string, limit: Limit, cost: number, reason: string): Decision & { backend: string } {
    this.options.fallbacks.inc({ reason });
    const share: Limit = {
      perMinute: limit.perMinute / this.replicas,
      burst: Math.max(1, limit.burst / this.replicas),
    };
    return { ...this.local.check(subject, share, cost), backend: "fallback" };
  }
}
