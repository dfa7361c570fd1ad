/**
 * one-port-listener.ts serves HTTP/2 cleartext (gRPC, Connect, gRPC-Web) and HTTP/1.1 (Connect,
 * gRPC-Web, REST, CORS preflight) on one TCP port. Node 20's `allowHTTP1` works only with TLS, so a
 * plain `net` server peeks at the first bytes: the HTTP/2 preface "PRI * HTTP/2.0" goes to the http2
 * server, anything else to the http server. It also drains in-flight requests on close, and reads
 * and discards what is left of a request body answered before it was read (an oversized body), so
 * the client can finish sending and read the answer instead of failing with EPIPE or hanging.
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import {
  createServer as createHttp2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type Http2Session,
  constants as http2Constants,
} from "node:http2";
import { type AddressInfo, createServer as createNetServer, type Socket } from "node:net";
import { acceptQueueLength } from "./accept-queue.js";

export type NodeRequest = IncomingMessage | Http2ServerRequest;
export type NodeResponse = ServerResponse | Http2ServerResponse;
export type RequestHandler = (req: NodeRequest, res: NodeResponse) => void;

const preface = Buffer.from("PRI * HTTP/2.0");
/** While draining, a connection that has not sent its first request for this long is cut. */
const freshSilenceWhileDrainingMs = 1_000;

/**
 * How much of a request body answered early (413, RESOURCE_EXHAUSTED) is read and discarded, and for
 * how long, before the connection (HTTP/1.1) or the stream (HTTP/2) is cut instead. Enough for a
 * client that sent a few MiB by mistake to read its answer; an upload larger still costs its sender
 * a reset, not us an unbounded read.
 */
const earlyAnswerDrain = { maxBytes: 4 * 1024 * 1024, maxMs: 5_000 };

/**
 * Timeouts against connections that hold a file descriptor and do little or nothing. The defaults
 * suit production; tests shorten them.
 */
export interface ListenerTimeouts {
  /** A new connection must send enough to tell HTTP/1.1 from HTTP/2 within this time. */
  detectMs?: number;
  /** An HTTP/2 connection with no request in flight is closed (GOAWAY) after this long without frames. */
  http2IdleMs?: number;
  /**
   * HTTP/1.1: the request line and headers must arrive within this time (slow-header clients get 408).
   * HTTP/2: a new connection must open its first stream within this time, or it is closed (GOAWAY).
   */
  headersMs?: number;
  /**
   * The whole request, body included, must arrive within this time: HTTP/1.1 closes the connection
   * (Node's requestTimeout), HTTP/2 resets the stream (CANCEL). Answers may take longer (Health.Watch).
   */
  requestMs?: number;
  /** How often HTTP/1.1 connections are checked against headersMs and requestMs. */
  checkIntervalMs?: number;
  /**
   * Any request still open after this long is cut (the HTTP/1.1 connection closed, the HTTP/2 stream
   * reset): a backstop behind Health.Watch's own lifetime, which ends it gracefully first.
   */
  maxRequestMs?: number;
  /**
   * How long a draining listener goes on accepting new connections while requests are in flight (and
   * half the grace at most): a load balancer takes a few seconds to stop sending after health turns
   * NOT_SERVING. Connections the kernel already holds are accepted after it too (close()).
   */
  acceptWhileDrainingMs?: number;
}

/**
 * HTTP/1.1 limits. Keep-alive outlives the 60 s idle timeout of common load balancers, so they close
 * first and never send a request onto a connection we are closing.
 */
const http1Limits = {
  // Node's default, stated: an API key plus a session cookie is well under 1 KiB.
  maxHeaderSize: 16 * 1024,
  keepAliveTimeout: 65_000,
};

/**
 * HTTP/2 limits. Without them one connection may open streams without bound (Node's default is
 * 2^32-1) and buffer up to its session memory on each; 100 concurrent streams is what gRPC servers
 * commonly advertise, and more than any client of ours multiplexes.
 */
const http2Limits = {
  // Megabytes of frames, headers and stream state one session may hold before new streams are refused.
  maxSessionMemory: 8,
  settings: { maxConcurrentStreams: 100, maxHeaderListSize: 16 * 1024 },
};

/** OnePortListener is the service's only public listener. */
export class OnePortListener {
  private readonly tcp = createNetServer((socket) => this.route(socket));
  private readonly http1: ReturnType<typeof createHttpServer>;
  private readonly http2 = createHttp2Server(http2Limits, (req, res) => this.handle(req, res));
  private readonly sockets = new Set<Socket>();
  private readonly sessions = new Set<Http2Session>();
  /** In-flight requests per HTTP/1.1 socket, to close idle ones first when draining. */
  private readonly active = new Map<Socket, number>();
  /** Connections whose first request has not reached a handler yet: draining waits for them. */
  private readonly fresh = new Set<Socket>();
  /** In-flight requests per HTTP/2 session: an idle timeout never cuts a long stream (Health.Watch). */
  private readonly sessionRequests = new Map<Http2Session, number>();
  private inFlight = 0;
  /** Connections accepted since the listener started. */
  private accepted = 0;
  private draining = false;
  private readonly detectMs: number;
  private readonly requestMs: number;
  private readonly maxRequestMs: number;
  private readonly acceptWhileDrainingMs: number;

  constructor(
    private readonly handler: RequestHandler,
    timeouts: ListenerTimeouts = {},
  ) {
    this.detectMs = timeouts.detectMs ?? 10_000;
    this.requestMs = timeouts.requestMs ?? 60_000;
    this.maxRequestMs = timeouts.maxRequestMs ?? 35 * 60_000;
    this.acceptWhileDrainingMs = timeouts.acceptWhileDrainingMs ?? 5_000;
    const headersMs = timeouts.headersMs ?? 20_000;
    this.http1 = createHttpServer(
      {
        ...http1Limits,
        headersTimeout: headersMs,
        requestTimeout: this.requestMs,
        connectionsCheckingInterval: timeouts.checkIntervalMs ?? 5_000,
      },
      (req, res) => this.handle(req, res),
    );
    // Node checks headersTimeout and requestTimeout only on servers that emitted "listening"; this
    // one never listens itself (connections are handed to it), so it is told.
    this.http1.emit("listening");
    const http2IdleMs = timeouts.http2IdleMs ?? 10 * 60_000;
    this.http2.on("session", (session) => {
      this.sessions.add(session);
      session.once("close", () => {
        this.sessions.delete(session);
        this.sessionRequests.delete(session);
      });
      session.setTimeout(http2IdleMs, () => {
        if ((this.sessionRequests.get(session) ?? 0) === 0) session.close();
      });
      // The idle timeout is long so that clients can reuse a connection; one that was never used
      // has no such claim, and would otherwise hold a descriptor for as long for free.
      const unused = setTimeout(() => session.close(), headersMs);
      unused.unref();
      session.once("stream", () => clearTimeout(unused));
      session.once("close", () => clearTimeout(unused));
      if (this.draining) session.close();
    });
  }

  /** listen binds the port (0 picks a free one) and resolves with the bound port. */
  async listen(port: number, host: string): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.tcp.once("error", reject);
      this.tcp.listen(port, host, () => {
        this.tcp.off("error", reject);
        resolve();
      });
    });
    return (this.tcp.address() as AddressInfo).port;
  }

  /**
   * close lets in-flight requests finish for up to graceMs, answering those already on their way in
   * new connections too (every connection the kernel made before the port closes), then stops
   * accepting and closes whatever is left. HTTP/2 clients get GOAWAY; idle HTTP/1.1 connections
   * close at once; new ones silent for a second are cut.
   */
  async close(graceMs: number): Promise<void> {
    this.draining = true;
    const deadline = Date.now() + graceMs;
    for (const session of this.sessions) session.close();
    for (const [socket, requests] of this.active) if (requests === 0 && !this.fresh.has(socket)) socket.destroy();
    // A browser's spare connection may never send anything: it must not hold the drain up.
    for (const socket of this.fresh) socket.setTimeout(freshSilenceWhileDrainingMs, () => this.cutIfFresh(socket));
    // Requests already sent may still sit in connections not yet accepted or not yet read: the port
    // stays open until nothing is in flight, so they are answered too (with Connection: close), but
    // not past a bounded window: traffic that keeps coming must not keep it open until the deadline.
    const acceptUntil = Date.now() + Math.min(graceMs / 2, this.acceptWhileDrainingMs);
    await this.until(() => this.inFlight === 0 && this.fresh.size === 0, acceptUntil);
    // Closing the port resets the connections the kernel holds for us and we have not accepted, and
    // a loop busy answering accepts only a few a turn (seen: 70 queued after the signal taking 3 s).
    // So the port closes once those waiting now are taken (the queue is first in, first out), up
    // to three quarters of the grace, leaving the last quarter for their answers.
    await this.untilAcceptedThoseWaiting(Date.now() + Math.max(0, deadline - Date.now() - graceMs / 4));
    const tcpClosed = new Promise<void>((resolve) => this.tcp.close(() => resolve()));
    // Then connections close by themselves (GOAWAY sent, Connection: close) once their last bytes
    // are written. Whatever is still open at the deadline is cut.
    await this.until(() => this.sockets.size === 0, deadline);
    for (const socket of this.sockets) socket.destroy();
    this.http1.close(); // stops its timeout checks
    await tcpClosed;
  }

  /**
   * untilAcceptedThoseWaiting returns once the connections the kernel holds for the port now have
   * been accepted (where it does not say how many, at once), or at `until`. Those that come later
   * are traffic that kept coming, which the bounded window already turned away. Connections are
   * accepted in poll phases, so two pass first: the check phase ending this turn, then the next's.
   */
  private async untilAcceptedThoseWaiting(until: number): Promise<void> {
    for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
    const address = this.tcp.address();
    if (address === null || typeof address === "string") return;
    const waiting = acceptQueueLength(address.port, address.family);
    if (!waiting) return;
    const taken = this.accepted + waiting; // both read in one tick: nothing accepted in between
    await this.until(() => this.accepted >= taken, until);
  }

  /** until polls a condition every 10 ms until it holds or the deadline passes. */
  private async until(condition: () => boolean, deadline: number): Promise<void> {
    while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  private route(socket: Socket): void {
    this.accepted++;
    this.sockets.add(socket);
    this.fresh.add(socket);
    socket.once("close", () => {
      this.sockets.delete(socket);
      this.fresh.delete(socket);
      this.active.delete(socket);
    });
    socket.on("error", () => socket.destroy());
    // Until the protocol is known no server's own timeouts apply: a silent connection would stay forever.
    socket.setTimeout(this.draining ? freshSilenceWhileDrainingMs : this.detectMs, () => this.cutIfFresh(socket));
    let seen = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      seen = Buffer.concat([seen, chunk]);
      const n = Math.min(seen.length, preface.length);
      const isHttp2 = seen.subarray(0, n).equals(preface.subarray(0, n));
      if (isHttp2 && n < preface.length) return; // too few bytes to tell yet
      socket.off("data", onData);
      socket.setTimeout(0);
      socket.pause();
      socket.unshift(seen);
      if (isHttp2) {
        this.fresh.delete(socket); // its streams are the session's: GOAWAY tells the client which were taken
        // http2 reads the unshifted preface from the stream itself; resuming here would lose it.
        this.http2.emit("connection", socket);
      } else {
        // The http parser reads new bytes straight from the socket handle; the bytes already read
        // reach it only as 'data' events, which flow once the socket resumes.
        this.active.set(socket, 0);
        this.http1.emit("connection", socket);
        socket.resume();
      }
    };
    socket.on("data", onData);
  }

  /**
   * cutIfFresh destroys a connection that timed out before its first request reached a handler,
   * unless bytes are only waiting to be read. Timers run before the poll phase that reads sockets,
   * so after the loop was busy for longer than the timeout (a loaded server, as when draining),
   * bytes that arrived in time would be cut unread: it looks again after that phase.
   */
  private cutIfFresh(socket: Socket): void {
    const read = socket.bytesRead;
    setImmediate(() => {
      if (this.fresh.has(socket) && socket.bytesRead === read) socket.destroy();
    });
  }

  private handle(req: NodeRequest, res: NodeResponse): void {
    this.inFlight++;
    const socket = req.httpVersionMajor === 1 ? (req.socket as Socket) : undefined;
    if (socket) {
      this.active.set(socket, (this.active.get(socket) ?? 0) + 1);
      this.fresh.delete(socket);
      // A silence timeout set while it was fresh (close() sets one) must not cut the request now in
      // flight, however long its handler takes. Node sets keep-alive's own after the answer.
      socket.setTimeout(0);
    }
    const session = socket ? undefined : (req as Http2ServerRequest).stream.session;
    if (session) this.sessionRequests.set(session, (this.sessionRequests.get(session) ?? 0) + 1);
    if (this.draining && socket) res.setHeader("connection", "close");
    const tooLong = setTimeout(() => cut(req), this.maxRequestMs);
    tooLong.unref();
    // HTTP/1.1 bounds the time to receive a request in Node's parser; HTTP/2 streams need their own
    // bound, or a body that never ends holds a stream (of 100 per connection) until maxRequestMs.
    const bodyTooSlow = session
      ? setTimeout(() => {
          if (bodyStillArriving(req as Http2ServerRequest)) cut(req);
        }, this.requestMs)
      : undefined;
    bodyTooSlow?.unref();
    res.once("close", () => {
      clearTimeout(tooLong);
      clearTimeout(bodyTooSlow);
      this.inFlight--;
      const open = session ? this.sessionRequests.get(session) : undefined;
      if (session && open !== undefined) this.sessionRequests.set(session, open - 1);
      if (socket) {
        const left = (this.active.get(socket) ?? 1) - 1;
        this.active.set(socket, left);
        if (this.draining && left === 0) socket.end();
      }
    });
    res.once("finish", () => this.discardUnreadBody(req));
    this.handler(req, res);
  }

  /**
   * discardUnreadBody reads what is left of a request whose answer is already sent, within
   * earlyAnswerDrain. Closing with unread bytes would make the kernel reset the connection, and
   * leaving them unread would stall it: either way the client might never see the answer.
   */
  private discardUnreadBody(req: NodeRequest): void {
    if (req.complete || req.destroyed) return;
    const stopAndCut = () => {
      stop();
      cut(req);
    };
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > earlyAnswerDrain.maxBytes) {
      cut(req);
      return;
    }
    let left = earlyAnswerDrain.maxBytes;
    const onData = (chunk: Buffer) => {
      left -= chunk.byteLength;
      if (left < 0) stopAndCut();
    };
    const timer = setTimeout(stopAndCut, earlyAnswerDrain.maxMs);
    const stop = () => {
      clearTimeout(timer);
      req.off("data", onData);
      req.off("end", stop);
      req.off("close", stop);
    };
    req.on("data", onData);
    req.once("end", stop);
    req.once("close", stop);
    req.resume();
  }
}

/**
 * bodyStillArriving: the HTTP/2 client has not ended its half of the stream. (`complete` would also
 * count a body that has arrived but that the handler has not read yet.)
 */
function bodyStillArriving(req: Http2ServerRequest): boolean {
  return !req.stream.destroyed && req.stream.state.remoteClose === 0;
}

/** cut ends a request at once: its HTTP/1.1 connection is closed, its HTTP/2 stream reset (CANCEL). */
function cut(req: NodeRequest): void {
  if (req.httpVersionMajor === 1) req.socket.destroy();
  else (req as Http2ServerRequest).stream.close(http2Constants.NGHTTP2_CANCEL);
}
