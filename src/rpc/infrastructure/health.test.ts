import { createClient, createRouterTransport } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { Health, HealthCheckResponse_ServingStatus as Status } from "../../../gen/health/v1/health_pb.js";
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
});
