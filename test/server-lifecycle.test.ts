/**
 * Start-up checks, CORS, request size limits and graceful shutdown, against real listening servers.
 */
import { create, createFileRegistry, type DescMethodUnary, type DescService, setExtension } from "@bufbuild/protobuf";
import {
  type EmptySchema,
  FileDescriptorProtoSchema,
  file_google_protobuf_empty,
  MethodOptionsSchema,
} from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type ConnectRouter, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AccessRuleSchema, access } from "../gen/dd/v1/access_pb.js";
import { Health, HealthCheckResponse_ServingStatus } from "../gen/health/v1/health_pb.js";
import { createLogger } from "../src/platform/observability/logger.js";
import { createMetrics } from "../src/platform/observability/metrics.js";
import { ddServices, registerServices } from "../src/routes.js";
import { MissingAccessRuleError } from "../src/rpc/access.js";
import { buildServer } from "../src/server.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

/** testService makes a one-method service "test.v1.<name>" taking and returning Empty. */
function testService(name: string, withRule: boolean): DescService {
  const options = create(MethodOptionsSchema);
  if (withRule) setExtension(options, access, create(AccessRuleSchema, { rule: { case: "public", value: true } }));
  const file = create(FileDescriptorProtoSchema, {
    name: `test/v1/${name.toLowerCase()}.proto`,
    package: "test.v1",
    syntax: "proto3",
    dependency: ["google/protobuf/empty.proto"],
    service: [
      {
        name,
        method: [{ name: "Call", inputType: ".google.protobuf.Empty", outputType: ".google.protobuf.Empty", options }],
      },
    ],
  });
  const registry = createFileRegistry(file, (imported) =>
    imported === "google/protobuf/empty.proto" ? file_google_protobuf_empty : undefined,
  );
  const service = registry.getService(`test.v1.${name}`);
  if (!service) throw new Error("test service not built");
  return service;
}

describe("start-up", () => {
  let server: TestServer;
  beforeAll(async () => (server = await startTestServer()));
  afterAll(async () => server?.close());

  it("refuses to build a server that serves an RPC without a dd.v1.access rule", () => {
    const open = testService("OpenService", false);
    const build = () =>
      buildServer({
        config: { readMaxBytes: 1024, jsonMaxDepth: 32, corsOrigins: [], shutdownGraceMs: 0 },
        orm: server.database.orm,
        logger: createLogger("silent"),
        metrics: createMetrics(),
        app: server.app,
        registerRoutes: (router: ConnectRouter, app) => {
          const services = registerServices(router, app);
          router.service(open, {});
          return [...services, open];
        },
      });
    expect(build).toThrow(MissingAccessRuleError);
    expect(build).toThrow(/test\.v1\.OpenService\.Call/);
  });

  it("serves every dd.v1 service, each RPC with a rule", () => {
    const served = new Set(server.server.services.map((s) => s.typeName));
    for (const service of ddServices) expect(served).toContain(service.typeName);
  });
});

describe("CORS", () => {
  let server: TestServer;
  beforeAll(async () => (server = await startTestServer({ corsOrigins: ["https://app.example.com"] })));
  afterAll(async () => server?.close());

  it("answers a preflight from an allowed origin, allowing credentials and our headers", async () => {
    const res = await fetch(`${server.baseUrl}/v1/mandates`, {
      method: "OPTIONS",
      headers: {
        origin: "https://app.example.com",
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, idempotency-key, content-type",
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(res.headers.get("access-control-allow-credentials")).toBe("true");
    expect(res.headers.get("access-control-allow-headers")).toMatch(/Authorization/);
    expect(res.headers.get("access-control-allow-headers")).toMatch(/Idempotency-Key/);
  });

  it("refuses a preflight from another origin", async () => {
    const res = await fetch(`${server.baseUrl}/v1/mandates`, {
      method: "OPTIONS",
      headers: { origin: "https://evil.example.net", "access-control-request-method": "POST" },
    });
    expect(res.status).toBe(403);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("exposes rate-limit, Retry-After and request-id headers to allowed origins", async () => {
    const res = await fetch(`${server.baseUrl}/healthz`, { headers: { origin: "https://app.example.com" } });
    const exposed = res.headers.get("access-control-expose-headers") ?? "";
    for (const header of ["RateLimit", "RateLimit-Policy", "Retry-After", "X-Request-Id"])
      expect(exposed).toContain(header);
  });
});

describe("request size limit", () => {
  let server: TestServer;
  beforeAll(async () => (server = await startTestServer({ readMaxBytes: 4096 })));
  afterAll(async () => server?.close());

  const big = JSON.stringify({ service: "x".repeat(10_000) });

  it("refuses an oversized Connect request with RESOURCE_EXHAUSTED and a clear message", async () => {
    const res = await fetch(`${server.baseUrl}/grpc.health.v1.Health/Check`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: big,
    });
    const body = (await res.json()) as { code: string; message: string };
    expect(body.code).toBe("resource_exhausted");
    expect(body.message).toMatch(/4096/);
  });

  it("refuses an oversized REST body with 413", async () => {
    const res = await fetch(`${server.baseUrl}/v1/mandateInvites/abc:complete`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ accountHolderName: "x".repeat(10_000) }),
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { code: string }).code).toBe("resource_exhausted");
  });
});

describe("graceful shutdown", () => {
  it("finishes in-flight calls, ends health watches with NOT_SERVING, then refuses connections", async () => {
    const slow = testService("SlowService", true);
    let started!: () => void;
    const callStarted = new Promise<void>((resolve) => (started = resolve));
    const server = await startTestServer({
      shutdownGraceMs: 5_000,
      registerRoutes: (router, app) => {
        router.rpc(slow.methods[0] as DescMethodUnary<typeof EmptySchema, typeof EmptySchema>, async () => {
          started();
          await new Promise((resolve) => setTimeout(resolve, 500));
          return {};
        });
        return [...registerServices(router, app), slow];
      },
    });
    const transport = createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "2" });
    const health = createClient(Health, transport);
    const watched: HealthCheckResponse_ServingStatus[] = [];
    const watch = (async () => {
      for await (const res of health.watch({})) watched.push(res.status);
    })();
    // The watch must be open (its first answer in) before the shutdown starts, whichever of the two
    // connections the server accepts first.
    await expect.poll(() => watched.length, { timeout: 20_000, interval: 10 }).toBeGreaterThan(0);
    const inFlight = fetch(`${server.baseUrl}/test.v1.SlowService/Call`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    }).then((res) => res.status);
    await callStarted;
    const closing = server.close();
    expect(await inFlight).toBe(200);
    await watch;
    expect(watched).toEqual([HealthCheckResponse_ServingStatus.SERVING, HealthCheckResponse_ServingStatus.NOT_SERVING]);
    await closing;
    const after = await createClient(Health, createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "1.1" }))
      .check({})
      .then(
        () => "answered",
        (error: unknown) => ConnectError.from(error).code,
      );
    expect(after).toBe(Code.Unavailable);
  });
});
