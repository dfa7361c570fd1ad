/**
 * http1.ts drives HTTP/1.1 load with autocannon: a fixed number of keep-alive connections, one
 * request in flight on each (no pipelining: browsers and HTTP/1.1 clients do not pipeline), for a
 * fixed duration. Latencies come from autocannon's per-response event into our own histogram, so
 * HTTP/1.1 and HTTP/2 rows are measured the same way and keep sub-millisecond resolution.
 */
import autocannon, { type Result as AutocannonResult } from "autocannon";
import { LatencyHistogram } from "./histogram.js";
import { countFailure, type LoadOptions, type LoadResult } from "./types.js";

/** Http1LoadOptions add the connection count to the common options. */
export interface Http1LoadOptions extends LoadOptions {
  /** Keep-alive connections, each with one request in flight (default 50). */
  connections?: number;
}

/** runHttp1Load sends the request over HTTP/1.1 for `seconds` and counts the HTTP 200 answers. */
export async function runHttp1Load(options: Http1LoadOptions): Promise<LoadResult> {
  const { port, request, seconds, signal } = options;
  if (request.success !== "http") throw new Error("HTTP/1.1 load only checks HTTP status (no trailers)");
  const latency = new LatencyHistogram();
  const failures: Record<string, number> = {};
  let ok = 0;
  const body = request.body && request.body.length > 0 ? Buffer.from(request.body) : undefined;
  // autocannon omits Content-Length for an empty body; say 0 explicitly so a POST is unambiguous.
  const headers = { ...request.headers, ...(request.method === "POST" && !body ? { "content-length": "0" } : {}) };
  let stopOnAbort: (() => void) | undefined;
  const started = performance.now();
  const result = await new Promise<AutocannonResult>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${port}${request.path}`,
        method: request.method,
        headers,
        ...(body ? { body } : {}),
        connections: options.connections ?? 50,
        pipelining: 1,
        duration: seconds,
        // autocannon only notices the end of the duration at a sample tick (default every second).
        sampleInt: 100,
        timeout: 10,
      },
      (error, res) => (error ? reject(error) : resolve(res)),
    );
    instance.on("response", (_client: unknown, statusCode: number, _bytes: number, ms: number) => {
      if (statusCode === 200) {
        ok++;
        latency.record(ms);
      }
    });
    // Removed again below: the runner reuses one signal for every measurement.
    stopOnAbort = () => instance.stop();
    signal?.addEventListener("abort", stopOnAbort, { once: true });
  }).finally(() => stopOnAbort && signal?.removeEventListener("abort", stopOnAbort));
  const elapsedMs = performance.now() - started;
  for (const [status, { count }] of Object.entries(result.statusCodeStats)) {
    if (status !== "200") countFailure(failures, `HTTP ${status}`, count);
  }
  // autocannon counts a timeout as an error too.
  if (result.errors - result.timeouts > 0) countFailure(failures, "socket error", result.errors - result.timeouts);
  if (result.timeouts > 0) countFailure(failures, "timeout", result.timeouts);
  // Requests still in flight when the time is up are dropped uncounted; that is normal for a few,
  // but when nothing at all came back the server is stuck, and the report must say so.
  if (ok === 0 && Object.keys(failures).length === 0 && result.requests.sent > 0) {
    countFailure(failures, "no response", result.requests.sent);
  }
  return { ok, failures, elapsedMs, latency };
}
