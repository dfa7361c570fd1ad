/**
 * index.ts names the load generators, so a row definition can say which one it wants; the
 * concurrency is the same for every row (50 requests in flight) so rows compare fairly.
 */
import { runHttp1Load } from "./http1.js";
import { runHttp2Load } from "./http2.js";
import type { LoadOptions, LoadResult } from "./types.js";

/** LoadKind is how requests reach the server: HTTP/1.1 keep-alive connections, or HTTP/2 streams. */
export type LoadKind = "http1" | "http2";

/** loads runs a LoadKind; each call opens its own connections and closes them before returning. */
export const loads: Record<LoadKind, (options: LoadOptions) => Promise<LoadResult>> = {
  http1: (options) => runHttp1Load({ ...options, connections: 50 }),
  http2: (options) => runHttp2Load({ ...options, sessions: 2, streamsPerSession: 25 }),
};

/** loadShapes describes the concurrency of each LoadKind, for the report header. */
export const loadShapes: Record<LoadKind, string> = {
  http1: "HTTP/1.1: autocannon, 50 keep-alive connections, pipelining 1",
  http2: "HTTP/2 (h2c): 2 sessions × 25 concurrent streams",
};
