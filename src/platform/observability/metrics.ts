/**
 * metrics.ts holds the Prometheus metrics and serves them on their own port, so scraping never
 * shares a listener (or an auth path) with the public API.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** Metrics is the set every component records into; one per server instance (tests run several). */
export interface Metrics {
  registry: Registry;
  /** Finished RPCs by service, method, transport protocol and code. */
  requests: Counter<"service" | "method" | "protocol" | "code">;
  /** RPC latency in seconds, by service and method. */
  latency: Histogram<"service" | "method">;
  /** Rate-limit decisions made in process because Redis was slow or down, by reason. */
  rateLimitFallbacks: Counter<"reason">;
  /** Requests refused for being over a limit, by kind of subject (organisation or user). */
  rateLimited: Counter<"subject">;
  /** How long a rate-limit check took, Redis or fallback included, in seconds. */
  rateLimitCheck: Histogram<"backend">;
  /** Rows Bacs processing could not change (each run tries them again), by step. */
  processingFailures: Counter<"step">;
  /**
   * Webhook delivery attempts by outcome: succeeded, retrying (failed, tried again later), failed
   * (given up), not_sent (for a reason of ours, or to a disabled endpoint).
   */
  webhookAttempts: Counter<"outcome">;
  /** How long a webhook attempt took to get its answer's headers (or fail), in seconds. */
  webhookLatency: Histogram;
  /** Age of the oldest event not yet delivered to an endpoint that is still trying, in seconds (0: none). */
  webhookOldestPending: Gauge;
}

/** createMetrics makes a fresh registry with process metrics and the RPC metrics. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    requests: new Counter({
      name: "dd_rpc_requests_total",
      help: "Finished RPCs by service, method, protocol and code.",
      labelNames: ["service", "method", "protocol", "code"],
      registers: [registry],
    }),
    latency: new Histogram({
      name: "dd_rpc_duration_seconds",
      help: "RPC latency from the first interceptor to the handler's answer, in seconds.",
      labelNames: ["service", "method"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    rateLimitFallbacks: new Counter({
      name: "dd_rate_limit_fallback_total",
      help: "Rate-limit decisions made in process because Redis was slow or down.",
      labelNames: ["reason"],
      registers: [registry],
    }),
    rateLimitCheck: new Histogram({
      name: "dd_rate_limit_check_seconds",
      help: "Time one rate-limit check took (a Redis round trip, or the in-process fallback), in seconds.",
      labelNames: ["backend"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.07, 0.1, 0.25, 1],
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: "dd_rate_limited_total",
      help: "Requests refused for being over a rate limit.",
      labelNames: ["subject"],
      registers: [registry],
    }),
    processingFailures: new Counter({
      name: "dd_bacs_processing_failures_total",
      help: "Mandates and collections Bacs processing could not change; each run tries them again.",
      labelNames: ["step"],
      registers: [registry],
    }),
    webhookAttempts: new Counter({
      name: "dd_webhook_attempts_total",
      help: "Webhook delivery attempts by outcome: succeeded, retrying, failed (given up after 3 days), not_sent.",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    webhookLatency: new Histogram({
      name: "dd_webhook_attempt_duration_seconds",
      help: "Time a webhook delivery attempt took to get the answer's headers, or to fail, in seconds.",
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    webhookOldestPending: new Gauge({
      name: "dd_webhook_oldest_pending_seconds",
      help: "Age of the oldest event still waiting to be delivered to some endpoint, in seconds; 0 when none.",
      registers: [registry],
    }),
  };
}

/** serveMetrics answers GET /metrics on its own port; it resolves with the server and the address it bound. */
export async function serveMetrics(
  metrics: Metrics,
  port: number,
  host: string,
): Promise<{ server: Server; host: string; port: number }> {
  const server = createServer((req, res) => {
    if (req.method !== "GET" || req.url !== "/metrics") {
      res.writeHead(404).end();
      return;
    }
    metrics.registry.metrics().then(
      (body) => res.writeHead(200, { "content-type": metrics.registry.contentType }).end(body),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  return { server, host: bound.address, port: bound.port };
}
