/**
 * The newcomer's path: `npm start` with no DATABASE_URL and no REDIS_URL runs on embedded defaults,
 * says which backends it uses, serves, exposes metrics, and stops cleanly on SIGTERM.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startService } from "./support/service-process.js";

const dataDirs: string[] = [];
afterAll(async () => {
  for (const dir of dataDirs) await rm(dir, { recursive: true, force: true });
});

describe("npm start on embedded defaults", () => {
  it("serves with embedded PostgreSQL and in-process Redis twins, then drains and stops on SIGTERM", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "dd-start-"));
    dataDirs.push(dataDir);
    const service = startService({ DATA_DIR: dataDir });
    const backends = await service.waitFor("backends");
    expect(backends.database).toMatch(/embedded PostgreSQL/);
    expect(backends.redis).toMatch(/in-process/);
    const listening = await service.waitFor("listening");
    const res = await fetch(`http://127.0.0.1:${listening.port}/healthz`);
    expect(await res.json()).toEqual({ status: "SERVING" });
    const metrics = await (await fetch(`http://127.0.0.1:${listening.metrics_port}/metrics`)).text();
    expect(metrics).toMatch(
      /dd_rpc_requests_total\{service="grpc.health.v1.Health",method="Check",protocol="rest",code="ok"\} 1/,
    );
    expect(metrics).toMatch(/dd_rpc_duration_seconds_bucket/);
    expect(await service.stop()).toBe(0);
    expect(service.lines.map((l) => l.msg)).toContain("stopped");
  }, 60_000);

  it("stops at once with one line naming a bad variable", async () => {
    const service = startService({ PORT: "eighty" });
    expect(await service.exited).toBe(2);
    expect(service.stderr.join("").trim()).toBe('invalid configuration: PORT must be a whole number, got "eighty"');
  });
});
