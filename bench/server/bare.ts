/**
 * bare.ts is the baseline: connectNodeAdapter with grpc.health.v1.Health (Check always answers
 * SERVING) and bench.v1.ProbeService (Ping answers at once), no interceptors, no REST, no CORS, no database. It sits behind the same
 * OnePortListener as the real server, so both answer HTTP/1.1 and HTTP/2 cleartext on one port and
 * the ratio measures our router, interceptors and transcoder, not a different socket setup.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { Health, HealthCheckResponse_ServingStatus } from "../../gen/health/v1/health_pb.js";
import { OnePortListener } from "../../src/rpc/one-port-listener.js";
import { ping } from "./probe-service.js";
import type { StartedServer } from "./started.js";

/**
 * startBareServer listens on a free port of 127.0.0.1. With `asyncLocalStorage` it first runs an
 * AsyncLocalStorage once, as MikroORM does on its first flush (seed-with-ddctl.ts): on Node 20 that
 * turns on promise hooks for the rest of the process, which is the whole difference it makes.
 */
export async function startBareServer(
  defer: (cleanup: () => Promise<void>) => void,
  options: { asyncLocalStorage?: boolean } = {},
): Promise<StartedServer> {
  if (options.asyncLocalStorage) new AsyncLocalStorage<boolean>().run(true, () => undefined);
  const handler = connectNodeAdapter({
    routes: (router) => {
      router.service(Health, { check: () => ({ status: HealthCheckResponse_ServingStatus.SERVING }) });
      router.rpc(ping, () => ({}));
    },
    // Same limit as the real server, so neither does more or less work on a request body.
    readMaxBytes: 1024 * 1024,
  });
  const listener = new OnePortListener(handler);
  const port = await listener.listen(0, "127.0.0.1");
  defer(() => listener.close(2_000));
  return { port, fixtures: {} };
}
