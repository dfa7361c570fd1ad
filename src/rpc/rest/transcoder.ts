/**
 * transcoder.ts serves REST/JSON requests by turning each into a Connect unary JSON call on the
 * router's own handler for the RPC, so REST passes through exactly the interceptors (errors and
 * log, authentication, scopes, rate limit, tenant scope) that Connect and gRPC calls do: there is
 * no second path into the handlers to secure.
 *
 * Chosen behaviours:
 * - a request body on a route whose rule has no body (GET, DELETE) is refused with 400, so data a
 *   client believes it sent is never silently dropped; an empty body is fine everywhere;
 * - a non-empty body must be `Content-Type: application/json` (415 otherwise), and any non-JSON
 *   content type is refused on routes that take a body even when it is empty: a cross-site HTML
 *   form (urlencoded, multipart, text/plain) can then never drive a write without CORS preflight;
 * - path values win over the same fields in a `body: "*"` or `body: "field"` body;
 * - over readMaxBytes: 413 `resource_exhausted`, answered at once; the listener reads and discards
 *   a bounded rest of the upload, so the client reads the 413 (one-port-listener.ts);
 * - an unknown path: 404 `not_found`; a known path with another method: 405 `unimplemented` with Allow.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import type { DescMethod, JsonValue } from "@bufbuild/protobuf";
import { Code, ConnectError, type ContextValues } from "@connectrpc/connect";
import type { UniversalHandler, UniversalServerRequest, UniversalServerResponse } from "@connectrpc/connect/protocol";
import { universalResponseToNodeResponse } from "@connectrpc/connect-node";
import { InvalidArgumentError } from "../../modules/errors.js";
import { toConnectError } from "../errors.js";
import { isFramingHeader } from "../framing-headers.js";
import { JsonDepthScanner, tooDeepMessage } from "../json-depth.js";
import { connectErrorFromResponse, restErrorBody } from "./error-body.js";
import { InvalidRequestError } from "./request-mapping.js";
import { createRouteTable, type RouteBinding, type RouteTable } from "./route-table.js";

/** RestTranscoderOptions configures createRestTranscoder. */
export interface RestTranscoderOptions {
  /** The router's handlers; routes are built from their methods' google.api.http options. */
  handlers: readonly UniversalHandler[];
  /** Largest body accepted, bytes; over it: 413 with a JSON error (code "resource_exhausted"). */
  readMaxBytes: number;
  /** Deepest nesting of arrays and objects in a body, checked before parsing; deeper: 400 invalid_argument. */
  jsonMaxDepth: number;
  /**
   * Extra REST routes onto RPCs that carry no annotation (third-party protos), e.g. GET /healthz →
   * grpc.health.v1.Health/Check. A GET takes its fields from the query, a POST from a JSON body.
   */
  extraRoutes?: { verb: "GET" | "POST"; path: string; method: DescMethod }[];
  /**
   * Told of an unexpected error in the transcoder itself (a bug: the client gets a plain 500).
   * Defaults to console.error; pass the server's logger.
   */
  onInternalError?: (error: unknown) => void;
}

/** RestHandler serves one REST request; contextValues go on to the Connect handler unchanged. */
export type RestHandler = (
  req: IncomingMessage | Http2ServerRequest,
  res: ServerResponse | Http2ServerResponse,
  contextValues: ContextValues,
) => Promise<void>;

/**
 * HttpError is a REST-level refusal made before any handler runs. It carries its own HTTP status
 * because several (404 route, 405, 413, 415) have no Connect code of that status.
 */
class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly error: ConnectError,
    readonly headers: Record<string, string> = {},
  ) {
    super(error.message);
  }
}

/** The client went away while we read its body: nothing is left to answer. */
class ClientGoneError extends Error {}

/**
 * createRestTranscoder builds the REST entry point over a Connect router's handlers. It throws at
 * once if a google.api.http annotation is malformed or two routes clash.
 */
export function createRestTranscoder(options: RestTranscoderOptions): RestHandler {
  const handlerByPath = new Map(options.handlers.map((h) => [h.requestPath, h]));
  const handlerOf = (method: DescMethod) => handlerByPath.get(`/${method.parent.typeName}/${method.name}`);
  const methods = [...new Set(options.handlers.map((h) => h.method))];
  const extra = (options.extraRoutes ?? []).map(({ verb, path, method }) => {
    if (!handlerOf(method)) {
      throw new Error(`extra route ${verb} ${path}: ${method.parent.typeName}/${method.name} is not served`);
    }
    const binding: RouteBinding = { verb, path, body: verb === "POST" ? "*" : "" };
    return { binding, method };
  });
  const table = createRouteTable(methods, extra);
  const onInternalError = options.onInternalError ?? ((e: unknown) => console.error("rest transcoder:", e));

  return async function transcode(req, res, contextValues) {
    // Aborted when the client goes away before the answer is complete: the handler's signal.
    const clientGone = new AbortController();
    res.once("close", () => {
      if (!res.writableFinished) clientGone.abort(new ConnectError("the client closed the request", Code.Canceled));
    });
    try {
      await serve(req, res, contextValues, clientGone.signal, table, handlerOf, options);
    } catch (e) {
      // Nobody is left to answer: not a transcoder failure.
      if (e instanceof ClientGoneError || clientGone.signal.aborted) return;
      let refusal: HttpError;
      if (e instanceof HttpError) {
        refusal = e;
      } else {
        onInternalError(e);
        if (res.headersSent) {
          res.destroy(); // Half an answer is worse than none: let the client see the failure.
          return;
        }
        refusal = new HttpError(500, new ConnectError("internal error", Code.Internal));
      }
      // A failed write means the client has gone; there is no one left to tell.
      await writeError(res, refusal.status, refusal.error, new Headers(refusal.headers)).catch(() => {});
    }
  };
}

async function serve(
  req: IncomingMessage | Http2ServerRequest,
  res: ServerResponse | Http2ServerResponse,
  contextValues: ContextValues,
  signal: AbortSignal,
  table: RouteTable,
  handlerOf: (m: DescMethod) => UniversalHandler | undefined,
  limits: Pick<RestTranscoderOptions, "readMaxBytes" | "jsonMaxDepth">,
): Promise<void> {
  const verb = (req.method ?? "GET").toUpperCase();
  const rawUrl = req.url ?? "/";
  const q = rawUrl.indexOf("?");
  const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const query = new URLSearchParams(q < 0 ? "" : rawUrl.slice(q + 1));

  const found = path.startsWith("/") ? guard(() => table.match(verb, path)) : ({ kind: "not-found" } as const);
  if (found.kind === "not-found") {
    throw new HttpError(404, new ConnectError(`no route for ${verb} ${path}`, Code.NotFound));
  }
  if (found.kind === "method-not-allowed") {
    const allow = found.allow.join(", ");
    const message = `${verb} is not allowed on ${path}; allowed: ${allow}`;
    throw new HttpError(405, new ConnectError(message, Code.Unimplemented), { allow });
  }
  const { route, pathValues } = found;
  const handler = handlerOf(route.method);
  if (!handler) throw new Error(`no handler for ${route.method.parent.typeName}/${route.method.name}`);

  const bytes = await readBody(req, limits.readMaxBytes);
  const body = parseBody(
    bytes,
    req.headers["content-type"],
    route.mapping.takesBody,
    `${verb} ${route.template.source}`,
    limits.jsonMaxDepth,
  );
  const json = guard(() => route.mapping.toJson({ pathValues, query, body }));

  const uReq: UniversalServerRequest = {
    httpVersion: req.httpVersion,
    method: "POST",
    url: handlerUrl(req, handler.requestPath),
    header: forwardedHeaders(req.headers),
    body: json,
    signal,
    contextValues,
  };
  const uRes = await handler(uReq);
  const header = restResponseHeaders(uRes);
  if (uRes.status === 200) {
    // Success bodies are already proto3 JSON: pass the bytes through untouched, with their length.
    for (const name of ["content-length", "content-encoding"]) {
      const v = uRes.header?.get(name);
      if (v !== null && v !== undefined) header.set(name, v);
    }
    header.set("content-type", "application/json");
    await universalResponseToNodeResponse({ status: 200, header, body: uRes.body }, res);
    return;
  }
  const error = connectErrorFromResponse(uRes.status, await readAll(uRes.body));
  await writeError(res, uRes.status, error, header);
}

/** guard turns an InvalidRequestError into a 400 with a google.rpc.BadRequest field violation. */
function guard<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof InvalidRequestError)) throw e;
    const violations = e.field === undefined ? [] : [{ field: e.field, description: e.message }];
    throw new HttpError(400, toConnectError(new InvalidArgumentError(violations, { message: e.message }))!);
  }
}

const jsonContentType = /^application\/(?:[\w.+-]+\+)?json\s*(?:;.*)?$/i;

/** parseBody checks the body against the route and the content type, and parses it as JSON. */
function parseBody(
  bytes: Uint8Array,
  contentType: string | undefined,
  takesBody: boolean,
  route: string,
  maxDepth: number,
): JsonValue | undefined {
  const invalid = (message: string, status = 400) =>
    new HttpError(status, new ConnectError(message, Code.InvalidArgument));
  const isJson = contentType !== undefined && jsonContentType.test(contentType);
  if (bytes.byteLength === 0) {
    if (takesBody && contentType !== undefined && !isJson) {
      throw invalid(`unsupported content type "${contentType}": send application/json`, 415);
    }
    return undefined;
  }
  if (!takesBody) throw invalid(`${route} takes no request body`);
  if (!isJson) throw invalid(`unsupported content type "${contentType ?? "(none)"}": send application/json`, 415);
  if (!new JsonDepthScanner(maxDepth).push(bytes)) throw invalid(tooDeepMessage(maxDepth));
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw invalid("the request body is not valid UTF-8");
  }
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as JsonValue;
  } catch (e) {
    throw invalid(`the request body is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * readBody reads the whole body, refusing more than `limit` bytes (by Content-Length up front, or
 * while reading). It listens for events instead of async-iterating, because breaking out of the
 * iteration destroys the socket before the 413 can be written.
 */
function readBody(req: IncomingMessage | Http2ServerRequest, limit: number): Promise<Uint8Array> {
  const tooLarge = () => {
    const message = `the request body is larger than the limit of ${limit} bytes`;
    return new HttpError(413, new ConnectError(message, Code.ResourceExhausted));
  };
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onGone);
      req.off("close", onGone);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > limit) {
        done();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      done();
      resolve(Buffer.concat(chunks));
    };
    const onGone = () => {
      done();
      reject(new ClientGoneError());
    };
    req.on("data", onData);
    req.once("end", onEnd);
    req.once("error", onGone);
    req.once("close", onGone);
  });
}

async function readAll(body: AsyncIterable<Uint8Array> | undefined): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  if (body) for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Hop-by-hop and framing headers, and those the transcoder sets itself, are not forwarded. */
const droppedRequestHeaders = new Set([
  "host",
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "te",
  "trailer",
  "expect",
  "http2-settings",
  "content-length",
  "content-type",
  "content-encoding",
  // Without it the handler never compresses its answer, which the transcoder has to read.
  "accept-encoding",
]);

/**
 * forwardedHeaders copies the client's headers (Authorization, Cookie, Origin, Idempotency-Key,
 * User-Agent, …) for the handler, minus framing and protocol headers: a REST client must not be
 * able to steer the Connect protocol (timeouts, encodings) from outside.
 */
function forwardedHeaders(incoming: IncomingMessage["headers"]): Headers {
  const header = new Headers();
  for (const [name, value] of Object.entries(incoming)) {
    const key = name.toLowerCase();
    if (value === undefined || key.startsWith(":") || droppedRequestHeaders.has(key)) continue;
    if (key.startsWith("connect-") || key.startsWith("grpc-")) continue;
    for (const v of Array.isArray(value) ? value : [value]) header.append(key, v);
  }
  header.set("content-type", "application/json");
  header.set("connect-protocol-version", "1");
  return header;
}

/** handlerUrl is the absolute URL of the RPC on the authority the client used. */
function handlerUrl(req: IncomingMessage | Http2ServerRequest, requestPath: string): string {
  const authority = "authority" in req ? req.authority : req.headers.host;
  try {
    return new URL(requestPath, `http://${authority ?? "localhost"}`).toString();
  } catch {
    return new URL(requestPath, "http://localhost").toString();
  }
}

/**
 * restResponseHeaders keeps the handler's response headers a REST client should see (rate-limit
 * headers, Retry-After, WWW-Authenticate, x-request-id, Set-Cookie, …): Connect's framing headers
 * go, and Connect's unary trailers ("trailer-" prefixed) become plain headers.
 */
function restResponseHeaders(uRes: UniversalServerResponse): Headers {
  const header = new Headers();
  const trailers: [string, string][] = [];
  uRes.header?.forEach((value, name) => {
    const key = name.toLowerCase();
    if (key.startsWith("trailer-")) trailers.push([key.slice("trailer-".length), value]);
    else if (!isFramingHeader(key)) header.append(key, value);
  });
  uRes.trailer?.forEach((value, name) => {
    trailers.push([name.toLowerCase(), value]);
  });
  // A value sent both as header and trailer (gRPC wants trailers) is shown once.
  for (const [key, value] of trailers) {
    if (!isFramingHeader(key) && !header.has(key)) header.append(key, value);
  }
  return header;
}

/** writeError answers with the REST error body. */
async function writeError(
  res: ServerResponse | Http2ServerResponse,
  status: number,
  error: ConnectError,
  header: Headers,
): Promise<void> {
  const bytes = new TextEncoder().encode(JSON.stringify(restErrorBody(error)));
  header.set("content-type", "application/json");
  header.set("content-length", String(bytes.byteLength));
  await universalResponseToNodeResponse({ status, header, body: once(bytes) }, res);
}

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}
