import { createServer } from "node:http2";
import type { AddressInfo } from "node:net";
import { Code, ConnectError, createClient, createContextValues, createRouterTransport } from "@connectrpc/connect";
import { connectNodeAdapter, createGrpcTransport } from "@connectrpc/connect-node";
import { describe, expect, it } from "vitest";
import { Health, HealthCheckResponse_ServingStatus as Status } from "../../../gen/health/v1/health_pb.js";
import { kRequestInfo } from "../context.js";
import { HealthState, registerHealth } from "./health.js";

describe("Health.Watch", () => {
  it("ends with OK once it has lasted its lifetime, so no stream holds a connection forever", async () => {
    const state = new HealthState([]);
    state.setServing(true);
    const transport = createRouterTransport((router) => registerHealth(router, state, { watchMaxMs: 300 }));
    const started = performance.now();
    const seen: Status[] = [];
    for await (const res of createClient(Health, transport).watch({})) seen.push(res.status);
    const lasted = performance.now() - started;
    expect(seen).toEqual([Status.SERVING]);
    expect(lasted).toBeGreaterThanOrEqual(250);
    expect(lasted).toBeLessThan(5_000);
  });

  it("refuses a Watch beyond the limit with RESOURCE_EXHAUSTED, and takes one again once a stream ends", async () => {
    const state = new HealthState([]);
    state.setServing(true);
    const server = createServer(
      connectNodeAdapter({ routes: (router) => registerHealth(router, state, { maxWatchers: 2 }) }),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const client = createClient(Health, createGrpcTransport({ baseUrl }));
    try {
      const leave = [new AbortController(), new AbortController()];
      const open = leave.map((controller) => client.watch({}, { signal: controller.signal })[Symbol.asyncIterator]());
      for (const stream of open) expect((await stream.next()).value?.status).toBe(Status.SERVING);

      const third = client.watch({})[Symbol.asyncIterator]();
      const refused = await third.next().then(
        () => undefined,
        (error: unknown) => ConnectError.from(error).code,
      );
      expect(refused).toBe(Code.ResourceExhausted);

      // A client that leaves frees its place (the server sees the stream reset).
      leave[0]!.abort();
      await open[0]!.next().catch(() => undefined);
      let again: Code | "ok" | undefined;
      for (let attempt = 0; attempt < 100 && again !== "ok"; attempt++) {
        const controller = new AbortController();
        again = await client
          .watch({}, { signal: controller.signal })
          [Symbol.asyncIterator]()
          .next()
          .then(
            () => "ok" as const,
            (error: unknown) => ConnectError.from(error).code,
          );
        controller.abort();
        if (again !== "ok") await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(again).toBe("ok");
      leave[1]!.abort();
    } finally {
      server.close();
    }
  });

  it("refuses a client its eleventh Watch while another client still gets one", async () => {
    const state = new HealthState([]);
    state.setServing(true);
    // The client address group, as the service's listener would resolve it, here from a header.
    const server = createServer(
      connectNodeAdapter({
        routes: (router) => registerHealth(router, state, { maxWatchersPerClient: 2 }),
        contextValues: (req) =>
          createContextValues().set(kRequestInfo, {
            requestId: "test",
            clientAddress: "",
            clientAddressGroup: String(req.headers["x-client"]),
            transport: "grpc",
            reachedRpc: false,
          }),
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const client = createClient(Health, createGrpcTransport({ baseUrl }));
    const leave = new AbortController();
    const first = (who: string) =>
      client
        .watch({}, { signal: leave.signal, headers: { "x-client": who } })
        [Symbol.asyncIterator]()
        .next()
        .then(
          (res) => res.value?.status,
          (error: unknown) => ConnectError.from(error).code,
        );
    try {
      expect([await first("a"), await first("a")]).toEqual([Status.SERVING, Status.SERVING]);
      expect(await first("a")).toBe(Code.ResourceExhausted);
      expect(await first("b")).toBe(Status.SERVING);
    } finally {
      leave.abort();
      server.close();
    }
  });
});
