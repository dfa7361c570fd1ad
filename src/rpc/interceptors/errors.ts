/**
 * errors.ts (interceptor) is the outermost link of the chain, the one point every transport passes:
 * it turns any escaped error into a ConnectError through rpc/errors.ts, puts the headers inner links
 * left for the answer (kAnswerHeaders) on it, logs one line per RPC (request id, method, transport,
 * code, latency; never a header or a message body) and records the RPC metrics.
 */
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import type { Logger } from "../../platform/observability/logger.js";
import type { Metrics } from "../../platform/observability/metrics.js";
import type { RepeatedLog } from "../../platform/observability/repeated-log.js";
import { kAnswerHeaders, kRequestInfo, type Transport } from "../context.js";
import { nulInRequest, toConnectError } from "../errors.js";

export interface ErrorsInterceptorOptions {
  logger: Logger;
  metrics: Metrics;
  /**
   * Where unexpected errors are logged: the first of a kind (method, error class and code) in full
   * with its stack, the rest of a burst as counts, so a failing dependency does not flood the log.
   * Every call's own "rpc" line still carries its request id and code.
   */
  repeatedLog: RepeatedLog;
}

/** createErrorsInterceptor maps errors, logs and measures every RPC. */
export function createErrorsInterceptor({ logger, metrics, repeatedLog }: ErrorsInterceptorOptions): Interceptor {
  // Label children are looked up once per label set: hashing label objects on every request shows
  // in profiles of cheap RPCs.
  const counters = new Map<string, { inc(): void }>();
  const timers = new Map<string, { observe(value: number): void }>();
  const count = (service: string, method: string, protocol: string, code: string) => {
    const key = `${service}/${method}/${protocol}/${code}`;
    let child = counters.get(key);
    if (!child) {
      child = metrics.requests.labels(service, method, protocol, code);
      counters.set(key, child);
    }
    child.inc();
  };
  const time = (service: string, method: string, seconds: number) => {
    const key = `${service}/${method}`;
    let child = timers.get(key);
    if (!child) {
      child = metrics.latency.labels(service, method);
      timers.set(key, child);
    }
    child.observe(seconds);
  };
  return (next) => async (req) => {
    const started = performance.now();
    const info = req.contextValues.get(kRequestInfo);
    if (info) info.reachedRpc = true;
    const requestId = info?.requestId ?? "unknown";
    const transport = info?.transport ?? transportOf(req.header.get("content-type"));
    const service = req.service.typeName;
    const method = req.method.name;
    let code: Code | undefined;
    // Names the "unexpected error" line (logged in full once per burst) that explains this call.
    let errorKind: string | undefined;
    try {
      const res = await next(req);
      setAll(res.header, req.contextValues.get(kAnswerHeaders));
      return res;
    } catch (error) {
      const mapped = toConnectError(error);
      if (mapped) {
        setAll(mapped.metadata, req.contextValues.get(kAnswerHeaders));
        code = mapped.code;
        throw mapped;
      }
      const nul = req.stream ? undefined : nulInRequest(error, req);
      if (nul) {
        setAll(nul.metadata, req.contextValues.get(kAnswerHeaders));
        code = nul.code;
        throw nul;
      }
      code = Code.Internal;
      errorKind = `${service}/${method}: ${kindOf(error)}`;
      repeatedLog.log(
        "error",
        errorKind,
        { request_id: requestId, service, method, error_kind: errorKind, err: error },
        "unexpected error",
      );
      const internal = new ConnectError(`internal error (request id ${requestId})`, Code.Internal);
      setAll(internal.metadata, req.contextValues.get(kAnswerHeaders));
      throw internal;
    } finally {
      const seconds = (performance.now() - started) / 1000;
      const codeName = code === undefined ? "ok" : Code[code];
      count(service, method, transport, codeName);
      time(service, method, seconds);
      logger.info(
        {
          request_id: requestId,
          service,
          method,
          transport,
          code: codeName,
          latency_ms: Math.round(seconds * 10_000) / 10,
          ...(errorKind && { error_kind: errorKind }),
        },
        "rpc",
      );
    }
  };
}

/**
 * kindOf names an error by class, code (a SQLSTATE, a Node error code) and the code line that threw
 * it, so two bugs in one method are two kinds: never by its message, which may carry request data.
 */
function kindOf(error: unknown): string {
  if (!(error instanceof Error)) return typeof error;
  const code = (error as { code?: unknown }).code;
  const named = typeof code === "string" && /^[A-Za-z0-9_]{1,32}$/.test(code) ? `${error.name} ${code}` : error.name;
  // The stack starts with the message, which may span lines: frames come after it.
  const messageLines = String(error.message).split("\n").length;
  const frame = error.stack?.split("\n")[messageLines];
  const place = frame?.match(/([\w.@-]{1,100}:\d{1,6}):\d+\)?$/)?.[1];
  return place ? `${named} at ${place}` : named;
}

function setAll(target: Headers, headers: Readonly<Record<string, string>> | undefined): void {
  if (headers) for (const [name, value] of Object.entries(headers)) target.set(name, value);
}

function transportOf(contentType: string | null): Transport {
  if (contentType?.startsWith("application/grpc-web")) return "grpc-web";
  if (contentType?.startsWith("application/grpc")) return "grpc";
  return "connect";
}
