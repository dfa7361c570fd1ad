/**
 * http2.ts is a small HTTP/2 cleartext load generator (autocannon speaks only HTTP/1.1): a few
 * sessions, each with many concurrent streams, each stream slot sending its next request as soon
 * as the previous one completes, until the duration is up. Only complete, successful responses are
 * counted and timed; for gRPC that means HTTP 200, exactly one length-prefixed message and
 * grpc-status 0 in the trailers, because a gRPC error also arrives as HTTP 200.
 */
import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  connect,
  constants,
  type OutgoingHttpHeaders,
} from "node:http2";
import { LatencyHistogram } from "./histogram.js";
import { countFailure, type HttpRequestSpec, type LoadOptions, type LoadResult } from "./types.js";

/** Http2LoadOptions add the shape of the concurrency to the common options. */
export interface Http2LoadOptions extends LoadOptions {
  /** TCP connections (default 2). */
  sessions?: number;
  /** Requests in flight on each session (default 25, so 50 in all like the HTTP/1.1 load). */
  streamsPerSession?: number;
  /** A hard cap on requests sent, so the loop ends even if the clock misbehaves (default 50 million). */
  maxRequests?: number;
}

/** A request that takes longer than this is cancelled and counted as a timeout. */
const requestTimeoutMs = 10_000;
const connectTimeoutMs = 5_000;

/** runHttp2Load sends the request over HTTP/2 for `seconds`, waits for in-flight streams, and reports. */
export async function runHttp2Load(options: Http2LoadOptions): Promise<LoadResult> {
  const { port, request, seconds, signal } = options;
  const latency = new LatencyHistogram();
  const failures: Record<string, number> = {};
  const maxRequests = options.maxRequests ?? 50_000_000;
  const headers: OutgoingHttpHeaders = { ":method": request.method, ":path": request.path, ...request.headers };
  const body = request.body && request.body.length > 0 ? request.body : undefined;
  let ok = 0;
  let sent = 0;

  const sessions: ClientHttp2Session[] = [];
  try {
    for (let i = 0; i < (options.sessions ?? 2); i++) sessions.push(await openSession(port, failures));
    const started = performance.now();
    const deadline = started + seconds * 1000;
    const more = () => !signal?.aborted && performance.now() < deadline && sent < maxRequests;
    const slot = async (session: ClientHttp2Session) => {
      while (more() && !session.closed && !session.destroyed) {
        sent++;
        const t0 = performance.now();
        const failure = await sendOne(session, headers, body, request);
        if (failure === undefined) {
          ok++;
          latency.record(performance.now() - t0);
        } else countFailure(failures, failure);
      }
    };
    const slots = sessions.flatMap((session) =>
      Array.from({ length: options.streamsPerSession ?? 25 }, () => slot(session)),
    );
    await Promise.all(slots);
    return { ok, failures, elapsedMs: performance.now() - started, latency };
  } finally {
    await Promise.all(sessions.map(closeSession));
  }
}

/** openSession connects one HTTP/2 session (prior knowledge, no upgrade) and counts its later errors. */
function openSession(port: number, failures: Record<string, number>): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = connect(`http://127.0.0.1:${port}`);
    const timer = setTimeout(() => {
      session.destroy();
      reject(new Error(`HTTP/2 connect to port ${port} timed out`));
    }, connectTimeoutMs);
    session.once("connect", () => {
      clearTimeout(timer);
      session.off("error", reject);
      // After connecting, an error ends the session; its streams fail and are counted one by one.
      session.on("error", () => countFailure(failures, "session error"));
      resolve(session);
    });
    session.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** closeSession closes gracefully, and destroys the session if that takes more than a second. */
function closeSession(session: ClientHttp2Session): Promise<void> {
  if (session.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => session.destroy(), 1_000);
    session.close(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** sendOne makes one request and resolves with undefined on success or a failure reason. */
function sendOne(
  session: ClientHttp2Session,
  headers: OutgoingHttpHeaders,
  body: Uint8Array | undefined,
  request: HttpRequestSpec,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    let stream: ClientHttp2Stream;
    try {
      stream = session.request(headers, { endStream: body === undefined });
    } catch {
      resolve("session closed");
      return;
    }
    let status = 0;
    let ended = false;
    let timedOut = false;
    let grpcStatus: string | undefined;
    const chunks: Buffer[] = [];
    stream.on("response", (h) => (status = Number(h[":status"])));
    stream.on("trailers", (t) => (grpcStatus = headerValue(t["grpc-status"])));
    // Reading every chunk keeps flow control open; gRPC bodies are kept to check their framing.
    stream.on("data", (chunk: Buffer) => request.success === "grpc" && chunks.push(chunk));
    stream.on("end", () => (ended = true));
    stream.on("error", () => undefined); // judged on close
    stream.setTimeout(requestTimeoutMs, () => {
      timedOut = true;
      stream.close(constants.NGHTTP2_CANCEL);
    });
    stream.on("close", () => {
      if (timedOut) resolve("timeout");
      else if (status === 0) resolve("no response");
      else if (status !== 200) resolve(`HTTP ${status}`);
      else if (!ended) resolve("stream reset");
      else if (request.success === "grpc") resolve(judgeGrpc(grpcStatus, Buffer.concat(chunks)));
      else resolve(undefined);
    });
    if (body !== undefined) stream.end(body);
  });
}

/** judgeGrpc accepts grpc-status 0 with exactly one uncompressed, length-prefixed message. */
function judgeGrpc(grpcStatus: string | undefined, body: Buffer): string | undefined {
  if (grpcStatus === undefined) return "no grpc-status trailer";
  if (grpcStatus !== "0") return `grpc-status ${grpcStatus}`;
  if (body.length < 5 || body[0] !== 0 || body.readUInt32BE(1) !== body.length - 5) return "bad gRPC framing";
  return undefined;
}

function headerValue(value: string | string[] | number | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value === undefined ? undefined : String(value);
}
