/**
 * health.ts serves grpc.health.v1.Health: "" is the server as a whole, and each served service by
 * its full name. Everything is NOT_SERVING until start-up has finished and while the database does
 * not answer; shutdown flips everything to NOT_SERVING for good, so load balancers stop sending
 * traffic while in-flight calls drain.
 */
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type ConnectRouter, type HandlerContext } from "@connectrpc/connect";
import {
  Health,
  HealthCheckResponseSchema,
  HealthCheckResponse_ServingStatus as Status,
} from "../../../gen/health/v1/health_pb.js";
import { kRequestInfo } from "../context.js";

/**
 * healthRoute is the REST route of the health check, for load balancers that speak plain HTTP:
 * GET /healthz answers Health/Check of the whole server: {"status": "SERVING"}, or NOT_SERVING.
 */
export const healthRoute = { verb: "GET", path: "/healthz", method: Health.method.check } as const;

/** HealthState holds each service's serving status and tells watchers when one changes. */
export class HealthState {
  private readonly statuses = new Map<string, Status>();
  private readonly watchers = new Set<() => void>();
  private closed = false;

  /** Every service starts NOT_SERVING: a server is ready only once its start-up has finished. */
  constructor(serviceNames: readonly string[]) {
    this.statuses.set("", Status.NOT_SERVING);
    for (const name of serviceNames) this.statuses.set(name, Status.NOT_SERVING);
  }

  /** setServing marks every service SERVING or NOT_SERVING; after shutDown nothing changes any more. */
  setServing(serving: boolean): void {
    if (this.closed) return;
    const status = serving ? Status.SERVING : Status.NOT_SERVING;
    if (this.statuses.get("") === status) return;
    for (const name of this.statuses.keys()) this.statuses.set(name, status);
    for (const wake of this.watchers) wake();
  }

  /** status of a service, or undefined when it is not served. */
  status(service: string): Status | undefined {
    return this.statuses.get(service);
  }

  /** all returns every service with its status ("" is the server). */
  all(): ReadonlyMap<string, Status> {
    return this.statuses;
  }

  /** shutDown marks every service NOT_SERVING and ends Watch streams after they send it. */
  shutDown(): void {
    this.closed = true;
    for (const name of this.statuses.keys()) this.statuses.set(name, Status.NOT_SERVING);
    for (const wake of this.watchers) wake();
  }

  /** isShutDown is true once shutDown was called. */
  get isShutDown(): boolean {
    return this.closed;
  }

  /** changed resolves at the next status change or when the signal aborts. */
  changed(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        this.watchers.delete(wake);
        signal.removeEventListener("abort", wake);
        resolve();
      };
      this.watchers.add(wake);
      signal.addEventListener("abort", wake, { once: true });
    });
  }
}

/**
 * How long one Watch stream lasts before it ends with OK. The protocol has the client watch again
 * when a stream ends; ending them keeps a connection from being held open forever by one stream
 * (its HTTP/2 idle timeout never applies while a stream is open) and lets load balancers rebalance.
 */
const watchMaxMs = 30 * 60_000;

/**
 * How many Watch streams the server holds at once, and for one client address group. Health is open
 * to anyone and each stream is held for up to watchMaxMs; a load balancer or a client doing health
 * checks needs a few. The per-client bound keeps one client from taking every place (a client refused
 * a Watch counts the server unhealthy); the total bounds what many clients together can hold.
 */
const maxWatchers = 1_000;
const maxWatchersPerClient = 10;

/** registerHealth serves grpc.health.v1.Health from the given state. */
export function registerHealth(
  router: ConnectRouter,
  state: HealthState,
  options: { watchMaxMs?: number; maxWatchers?: number; maxWatchersPerClient?: number } = {},
): void {
  const lifetime = options.watchMaxMs ?? watchMaxMs;
  const watcherLimit = options.maxWatchers ?? maxWatchers;
  const perClientLimit = options.maxWatchersPerClient ?? maxWatchersPerClient;
  let watching = 0;
  // Only groups with a stream open: at most watcherLimit entries.
  const watchingByClient = new Map<string, number>();
  router.service(Health, {
    check(req) {
      const status = state.status(req.service);
      if (status === undefined) throw new ConnectError(`unknown service ${req.service}`, Code.NotFound);
      return { status };
    },
    list() {
      const statuses: Record<string, ReturnType<typeof create<typeof HealthCheckResponseSchema>>> = {};
      for (const [name, status] of state.all()) statuses[name] = create(HealthCheckResponseSchema, { status });
      return { statuses };
    },
    async *watch(req, ctx: HandlerContext) {
      const client = ctx.values.get(kRequestInfo)?.clientAddressGroup ?? "unknown";
      const byClient = watchingByClient.get(client) ?? 0;
      if (watching >= watcherLimit || byClient >= perClientLimit) {
        throw new ConnectError(
          "too many Health.Watch streams open: use Check, or watch again later",
          Code.ResourceExhausted,
        );
      }
      watching++;
      watchingByClient.set(client, byClient + 1);
      try {
        // Ends when the client leaves or, with OK, when the stream has lasted its lifetime.
        const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(lifetime)]);
        let last: Status | undefined;
        while (!signal.aborted) {
          const status = state.status(req.service) ?? Status.SERVICE_UNKNOWN;
          if (status !== last) yield { status };
          last = status;
          if (state.isShutDown) return;
          await state.changed(signal);
        }
      } finally {
        watching--;
        const left = (watchingByClient.get(client) ?? 1) - 1;
        if (left === 0) watchingByClient.delete(client);
        else watchingByClient.set(client, left);
      }
    },
  });
}
