/**
 * server.ts builds the service: one Connect router with the interceptor chain, the REST transcoder
 * onto that same router, health and reflection, CORS, all behind one port.
 */

import { randomUUID } from "node:crypto";
import type { DescService } from "@bufbuild/protobuf";
import { type ConnectRouter, createConnectRouter, createContextValues } from "@connectrpc/connect";
import type { UniversalHandler } from "@connectrpc/connect/protocol";
import {
  compressionBrotli,
  compressionGzip,
  universalRequestFromNodeRequest,
  universalResponseToNodeResponse,
} from "@connectrpc/connect-node";
import type { MikroORM } from "@mikro-orm/postgresql";
import { Health } from "../gen/health/v1/health_pb.js";
import { serveReference } from "./api/openapi/reference-routes.js";
import type { App } from "./app.js";
import type { Config } from "./config.js";
import { type DatabaseProbe, probeThroughPool } from "./platform/db/database-probe.js";
import type { Logger } from "./platform/observability/logger.js";
import type { Metrics } from "./platform/observability/metrics.js";
import { RepeatedLog } from "./platform/observability/repeated-log.js";
import { PeriodicTask } from "./platform/periodic-task.js";
import { registerServices } from "./routes.js";
import { assertAccessRules } from "./rpc/access.js";
import { AddressLimiter } from "./rpc/address-limiter.js";
import { createClientAddressResolver } from "./rpc/client-address.js";
import { goneReason, isClientGone } from "./rpc/client-gone.js";
import { kRequestInfo, type RequestInfo } from "./rpc/context.js";
import { createCors } from "./rpc/cors.js";
import { withSpecGrpcMessage } from "./rpc/grpc-message.js";
import { HealthState, healthRoute, registerHealth } from "./rpc/infrastructure/health.js";
import { registerReflection } from "./rpc/infrastructure/reflection.js";
import { createAuthenticateInterceptor } from "./rpc/interceptors/authenticate.js";
import { createAuthorizeInterceptor } from "./rpc/interceptors/authorize.js";
import { createErrorsInterceptor } from "./rpc/interceptors/errors.js";
import { createIdempotencyInterceptor } from "./rpc/interceptors/idempotency.js";
import { createPublicLimitInterceptor } from "./rpc/interceptors/public-limit.js";
import { createRateLimitInterceptor } from "./rpc/interceptors/rate-limit.js";
import { createTenantScopeInterceptor } from "./rpc/interceptors/tenant-scope.js";
import { connectGetTooDeep, guardJsonDepth } from "./rpc/json-depth-guard.js";
import { type NodeRequest, type NodeResponse, OnePortListener } from "./rpc/one-port-listener.js";
import { ReplayRoutes } from "./rpc/replay-routes.js";
import { requestBody } from "./rpc/request-body.js";
import { createRestTranscoder } from "./rpc/rest/index.js";
import { sessionCookieName } from "./rpc/session-cookie.js";
import type { WebAssets } from "./rpc/web-assets.js";

export interface ServerDeps {
  config: Pick<Config, "readMaxBytes" | "jsonMaxDepth" | "corsOrigins" | "shutdownGraceMs"> & {
    /** TRUSTED_PROXIES; unset or empty, X-Forwarded-For is ignored. */
    trustedProxies?: readonly string[] | undefined;
  };
  orm: MikroORM;
  logger: Logger;
  metrics: Metrics;
  app: App;
  /** Registers the domain services and returns them; defaults to routes.ts (tests may replace it). */
  registerRoutes?: (router: ConnectRouter, app: App) => DescService[];
  /** Asks whether the database answers, for health (default: through the ORM's pool). */
  databaseProbe?: DatabaseProbe | undefined;
  /** How often health asks the database whether it answers, and how long it waits, ms. */
  databaseProbeTiming?: { intervalMs: number; timeoutMs: number } | undefined;
  /** The browser app (console and payer page); without it those paths answer 404 like any unknown. */
  webAssets?: WebAssets | undefined;
}

/** DdServer is a built server: listen once, close once. */
export interface DdServer {
  listen(port: number, host: string): Promise<number>;
  /** started turns health SERVING (while the database answers): call it once start-up has finished. */
  started(): void;
  /** close marks every service NOT_SERVING, drains in-flight calls (up to the grace), then stops. */
  close(): Promise<void>;
  /** Every service served, ours and infrastructure. */
  services: readonly DescService[];
}

const requestIdPattern = /^[A-Za-z0-9._:-]{1,64}$/;

/** buildServer wires the router, the chain and the listener. It throws if an RPC has no access rule. */
export function buildServer(deps: ServerDeps): DdServer {
  const { config, logger } = deps;
  // Domain services register through it, so a replayed Idempotency-Key call is answered without running.
  const replayRoutes = new ReplayRoutes();
  const clientAddressOf = createClientAddressResolver(config.trustedProxies ?? []);
  const addresses = new AddressLimiter({
    limiter: deps.app.limiter,
    failedAuthLimit: deps.app.failedAuthLimit,
    publicLimit: deps.app.publicLimit,
    metrics: deps.metrics,
  });
  // One line per minute at most for each kind of failure, however many calls fail the same way.
  const repeatedLog = new RepeatedLog(logger);
  const router = createConnectRouter({
    // Outermost first: errors/log, then cheap rejections, the database last (architecture.md).
    interceptors: [
      createErrorsInterceptor({ logger, metrics: deps.metrics, repeatedLog }),
      // Public RPCs have no caller to count: their client address is, before the handler runs.
      createPublicLimitInterceptor({ addresses }),
      createAuthenticateInterceptor({
        verifier: deps.app.verifier,
        addresses,
        sessionCookieName: sessionCookieName(deps.app.sessionCookieSecure),
      }),
      createAuthorizeInterceptor({ onDenied: (denial) => deps.app.denials.denied(denial) }),
      createRateLimitInterceptor({
        limiter: deps.app.limiter,
        organisationLimit: (id) => deps.app.organisationSettings.limitOf(id),
        sessionLimit: deps.app.sessionLimit,
        metrics: deps.metrics,
      }),
      // After rate limit (replays count; refusals never touch the database), before tenant scope.
      createIdempotencyInterceptor({ idempotency: deps.app.idempotency, routes: replayRoutes, logger }),
      createTenantScopeInterceptor(deps),
    ],
    readMaxBytes: config.readMaxBytes,
    acceptCompression: [compressionGzip, compressionBrotli],
  });
  const domainServices = (deps.registerRoutes ?? registerServices)(replayRoutes.wrap(router), deps.app);
  const health = new HealthState(domainServices.map((s) => s.typeName));
  registerHealth(router, health);
  const readiness = { started: false, databaseAnswers: true };
  const probe = deps.databaseProbeTiming ?? { intervalMs: 2_000, timeoutMs: 1_000 };
  const database = deps.databaseProbe ?? probeThroughPool(deps.orm);
  const probing: PeriodicTask<void> = new PeriodicTask(probe.intervalMs, () =>
    probing.join(async () => {
      const answers = await database.answers(probe.timeoutMs);
      if (answers !== readiness.databaseAnswers) {
        // Once per change, not per failed call: an outage must not flood the log.
        if (answers) logger.info("the database answers again: serving");
        else logger.error("the database does not answer: NOT_SERVING until it does");
      }
      readiness.databaseAnswers = answers;
      health.setServing(readiness.started && answers);
    }),
  );
  const reflected = [...domainServices, Health];
  registerReflection(router, reflected);
  const services = [...new Map(router.handlers.map((h) => [h.service.typeName, h.service])).values()];
  assertAccessRules(services);

  const byPath = new Map<string, UniversalHandler>(router.handlers.map((h) => [h.requestPath, h]));
  const rest = createRestTranscoder({
    handlers: router.handlers,
    readMaxBytes: config.readMaxBytes,
    jsonMaxDepth: config.jsonMaxDepth,
    extraRoutes: [healthRoute],
    onInternalError: (error) => logger.error({ err: error }, "rest transcoder failed"),
  });
  const cors = createCors(config.corsOrigins);
  const jsonLimits = { maxDepth: config.jsonMaxDepth, readMaxBytes: config.readMaxBytes };

  const listener = new OnePortListener((req: NodeRequest, res: NodeResponse) => {
    const incoming = req.headers["x-request-id"];
    const requestId = typeof incoming === "string" && requestIdPattern.test(incoming) ? incoming : randomUUID();
    res.setHeader("x-request-id", requestId);
    // The browser app first: it is same-origin and needs no CORS headers, which would also vary
    // cached assets by Origin.
    if (deps.webAssets?.serve(req, res)) return;
    const path = (req.url ?? "/").split("?", 1)[0] ?? "/";
    // The API reference (/openapi.json, /docs): public and same for everyone, like the assets.
    if (serveReference(req, res, path)) return;
    if (cors(req, res)) return;
    const handler = byPath.get(path);
    const client = clientAddressOf(req.socket.remoteAddress, req.headers["x-forwarded-for"]);
    const info: RequestInfo = {
      requestId,
      clientAddress: client.address,
      clientAddressGroup: client.group,
      transport: handler ? undefined : "rest",
    };
    const contextValues = createContextValues().set(kRequestInfo, info);
    if (!handler) {
      // REST refusals before any RPC (unknown route, wrong method, bad query, oversized body) are
      // logged here; the path is left out, as it may hold an invite token.
      const started = performance.now();
      res.once("finish", () => {
        if (info.reachedRpc) return;
        logger.info(
          {
            request_id: requestId,
            transport: "rest",
            http_method: req.method,
            status: res.statusCode,
            latency_ms: Math.round((performance.now() - started) * 10) / 10,
          },
          "rest request refused before any RPC",
        );
      });
    }
    const tooDeep = handler && req.method === "GET" ? connectGetTooDeep(req.url ?? "", jsonLimits) : undefined;
    if (tooDeep) {
      // Connect's unary error shape, as Connect itself would answer INVALID_ARGUMENT.
      res.writeHead(400, { "content-type": "application/json" });
      res.end(JSON.stringify({ code: "invalid_argument", message: tooDeep.rawMessage }));
      return;
    }
    let universal: ReturnType<typeof universalRequestFromNodeRequest> | undefined;
    if (handler) {
      try {
        universal = universalRequestFromNodeRequest(req, res, undefined, contextValues);
      } catch {
        // A Host (or :authority) that is no URL authority, or none at all (HTTP/1.0): Connect cannot
        // build the request's URL. Thrown here, outside any promise, it would end the process.
        res.writeHead(400, { "content-type": "text/plain; charset=utf-8" }).end("invalid or missing Host header\n");
        return;
      }
    }
    const served =
      handler && universal
        ? handler({ ...universal, body: guardJsonDepth(requestBody(req), req.headers, jsonLimits) }).then((uRes) =>
            universalResponseToNodeResponse(withSpecGrpcMessage(uRes), res),
          )
        : rest(req, res, contextValues);
    served.catch((error: unknown) => {
      if (isClientGone(error, res)) {
        // Expected: clients hang up mid-response by the hundred at the end of any load run.
        logger.debug(
          { request_id: requestId, reason: goneReason(error) },
          "client went away before the response ended",
        );
      } else {
        repeatedLog.log(
          "warn",
          "response not completed",
          { request_id: requestId, err: error },
          "response not completed",
        );
      }
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });

  return {
    services,
    listen: (port, host) => listener.listen(port, host),
    started() {
      readiness.started = true;
      health.setServing(readiness.databaseAnswers);
      probing.start();
    },
    async close() {
      health.shutDown();
      await probing.stop();
      await listener.close(config.shutdownGraceMs);
      repeatedLog.close();
    },
  };
}
