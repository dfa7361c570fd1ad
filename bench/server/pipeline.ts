/**
 * pipeline.ts serves bench.v1.ProbeService.Ping through a bare connectNodeAdapter with only the
 * interceptors an issue asks to price, using the real services behind them: authenticate (the App's
 * API-key verifier, cache hit after the first call) and authorize, optionally with the rate limit
 * (GCRA in Redis). Compared with the bare adapter, the ratio is the cost of exactly those links;
 * the "full" server kinds price everything else too (request ids, logs, metrics, tenant scope, REST).
 * The key is issued by ddctl in another process (seed-with-ddctl.ts says why).
 */
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { App } from "../../src/app.js";
import type { Metrics } from "../../src/platform/observability/metrics.js";
import { createAuthenticateInterceptor } from "../../src/rpc/interceptors/authenticate.js";
import { createAuthorizeInterceptor } from "../../src/rpc/interceptors/authorize.js";
import { createRateLimitInterceptor } from "../../src/rpc/interceptors/rate-limit.js";
import { OnePortListener } from "../../src/rpc/one-port-listener.js";
import { sessionCookieName } from "../../src/rpc/session-cookie.js";
import { startFullServer } from "./full.js";
import { ping } from "./probe-service.js";
import { seedApiKeyWithDdctl } from "./seed-with-ddctl.js";
import type { StartedServer } from "./started.js";

/** startPipelineServer builds the App (database, key, Redis) as full-api-key does, then serves Ping bare but for the chosen links. */
export async function startPipelineServer(
  defer: (cleanup: () => Promise<void>) => void,
  withLimit: boolean,
): Promise<StartedServer> {
  let captured: { app: App; metrics: Metrics } | undefined;
  // The full server is started only for what it builds (database, App on Redis, the key); the rows
  // call the pipeline's own port.
  const full = await startFullServer(defer, {
    redis: true,
    seed: async (deps) => {
      captured = deps;
      return seedApiKeyWithDdctl(deps.databaseUrl);
    },
  });
  if (!captured) throw new Error("pipeline: the App was not built");
  const { app, metrics } = captured;
  const interceptors = [
    createAuthenticateInterceptor({ verifier: app.verifier, sessionCookieName: sessionCookieName(true) }),
    createAuthorizeInterceptor({ onDenied: () => undefined }),
  ];
  if (withLimit) {
    interceptors.push(
      createRateLimitInterceptor({
        limiter: app.limiter,
        organisationLimit: (id) => app.organisationSettings.limitOf(id),
        sessionLimit: app.sessionLimit,
        metrics,
      }),
    );
  }
  const handler = connectNodeAdapter({
    routes: (router) => router.rpc(ping, () => ({})),
    readMaxBytes: 1024 * 1024,
    interceptors,
  });
  const listener = new OnePortListener(handler);
  const port = await listener.listen(0, "127.0.0.1");
  defer(() => listener.close(2_000));
  return { ...full, port };
}
