/**
 * types.ts is what every load generator shares: the request it repeats and the result it returns,
 * so the runner can put HTTP/1.1 and HTTP/2 measurements side by side.
 */
import { LatencyHistogram } from "./histogram.js";

/** HttpRequestSpec is one request, sent again and again for the whole measurement. */
export interface HttpRequestSpec {
  method: "GET" | "POST";
  /** Path and query, e.g. "/grpc.health.v1.Health/Check". */
  path: string;
  /** Lower-case header names. */
  headers: Readonly<Record<string, string>>;
  /** Request body; absent or empty means none. */
  body?: Uint8Array;
  /** How to tell success: "http" is status 200; "grpc" also needs one framed message and grpc-status 0. */
  success: "http" | "grpc";
}

/** LoadOptions are common to every load generator. */
export interface LoadOptions {
  port: number;
  request: HttpRequestSpec;
  /** How long to send, in seconds; in-flight requests are then allowed to finish (HTTP/2) or dropped (HTTP/1.1). */
  seconds: number;
  /** Stops the load early (Ctrl-C). */
  signal?: AbortSignal;
}

/** LoadResult is one measurement. */
export interface LoadResult {
  /** Complete, successful responses. */
  ok: number;
  /** Requests that did not succeed, by reason (status code, grpc-status, socket error, timeout). */
  failures: Record<string, number>;
  /** Wall time from the first request to the end of the measurement, in milliseconds. */
  elapsedMs: number;
  /** Latency of the successful responses only. */
  latency: LatencyHistogram;
  /** CPU the server process used meanwhile (user + system), when known. */
  serverCpuSeconds?: number;
}

/** countFailure adds one failure under `reason`. */
export function countFailure(failures: Record<string, number>, reason: string, n = 1): void {
  failures[reason] = (failures[reason] ?? 0) + n;
}

/** combineResults adds up measurements of the same target made in several rounds. */
export function combineResults(results: readonly LoadResult[]): LoadResult {
  const combined: LoadResult = { ok: 0, failures: {}, elapsedMs: 0, latency: new LatencyHistogram() };
  for (const result of results) {
    combined.ok += result.ok;
    combined.elapsedMs += result.elapsedMs;
    combined.latency.merge(result.latency);
    combined.serverCpuSeconds = (combined.serverCpuSeconds ?? 0) + (result.serverCpuSeconds ?? Number.NaN);
    for (const [reason, n] of Object.entries(result.failures)) countFailure(combined.failures, reason, n);
  }
  return combined;
}
