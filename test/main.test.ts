/**
 * The newcomer's path: `npm start` with no DATABASE_URL and no REDIS_URL runs on embedded defaults,
 * says which backends it uses, serves, exposes metrics, and stops cleanly on SIGTERM.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, describe, expect, it } from "vitest";

const dataDirs: string[] = [];
afterAll(async () => {
  for (const dir of dataDirs) await rm(dir, { recursive: true, force: true });
});

interface Started {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  waitFor(msg: string): Promise<Record<string, unknown>>;
  exited: Promise<number | null>;
}

function start(env: Record<string, string>): Started {
  const { DATABASE_URL: _d, REDIS_URL: _r, ...inherited } = process.env;
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    env: { ...inherited, PORT: "0", METRICS_PORT: "0", HOST: "127.0.0.1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: Record<string, unknown>[] = [];
  const waiters: { msg: string; resolve: (line: Record<string, unknown>) => void }[] = [];
  createInterface({ input: child.stdout! }).on("line", (text) => {
    const line = JSON.parse(text) as Record<string, unknown>;
    lines.push(line);
    for (const w of waiters.filter((w) => w.msg === line.msg)) w.resolve(line);
  });
  const stderr: string[] = [];
  child.stderr!.on("data", (chunk: Buffer) => stderr.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    lines,
    exited,
    waitFor: (msg) => {
      const seen = lines.find((l) => l.msg === msg);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ msg, resolve });
        void exited.then((code) => reject(new Error(`exited ${code} before "${msg}": ${stderr.join("")}`)));
      });
    },
  };
}

describe("npm start on embedded defaults", () => {
  it("serves with embedded PostgreSQL and in-process Redis twins, then drains and stops on SIGTERM", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "dd-start-"));
    dataDirs.push(dataDir);
    const service = start({ DATA_DIR: dataDir });
    const backends = await service.waitFor("backends");
    expect(backends.database).toMatch(/embedded PostgreSQL/);
    expect(backends.redis).toMatch(/in-process/);
    const listening = await service.waitFor("listening");
    const res = await fetch(`http://127.0.0.1:${listening.port}/healthz`);
    expect(await res.json()).toEqual({ status: "SERVING" });
    const metrics = await (await fetch(`http://127.0.0.1:${listening.metrics_port}/metrics`)).text();
    expect(metrics).toMatch(/dd_rpc_requests_total\{service="grpc.health.v1.Health",method="Check",protocol="rest",code="ok"\} 1/);
    expect(metrics).toMatch(/dd_rpc_duration_seconds_bucket/);
    service.child.kill("SIGTERM");
    expect(await service.exited).toBe(0);
    expect(service.lines.map((l) => l.msg)).toContain("stopped");
  }, 60_000);

  it("stops at once with one line naming a bad variable", async () => {
    const service = start({ PORT: "eighty" });
    const stderr: string[] = [];
    service.child.stderr!.on("data", (chunk: Buffer) => stderr.push(chunk.toString()));
    expect(await service.exited).toBe(2);
    expect(stderr.join("").trim()).toBe('invalid configuration: PORT must be a whole number, got "eighty"');
  });
});
