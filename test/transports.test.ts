/**
 * One port, every kind of caller: the same RPC gives the same answer through Connect (HTTP/1.1 JSON
 * and binary, HTTP/2), gRPC, gRPC-Web, a real @grpc/grpc-js client and REST.
 */
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MandateInviteService, MandateService } from "../gen/dd/v1/mandates_pb.js";
import { Health, HealthCheckResponse_ServingStatus } from "../gen/health/v1/health_pb.js";
import { connectTransports, grpcJsClient, grpcJsUnary } from "./support/clients.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

let server: TestServer;
let grpcJs: grpc.Client;

beforeAll(async () => {
  server = await startTestServer();
  grpcJs = grpcJsClient(server.port);
});
afterAll(async () => {
  grpcJs?.close();
  await server?.close();
});

async function codeOf(call: () => Promise<unknown>): Promise<Code | "ok"> {
  try {
    await call();
    return "ok";
  } catch (error) {
    return ConnectError.from(error).code;
  }
}

describe("Health.Check", () => {
  it.each(Object.keys(connectTransportsFor()))("answers SERVING through %s", async (name) => {
    const client = createClient(Health, connectTransports(server.baseUrl)[name]!);
    const res = await client.check({});
    expect(res.status).toBe(HealthCheckResponse_ServingStatus.SERVING);
  });

  it("answers SERVING through a real @grpc/grpc-js client", async () => {
    const res = await grpcJsUnary(grpcJs, Health.method.check, {});
    expect(res.code).toBe(grpc.status.OK);
    expect(res.message?.status).toBe(HealthCheckResponse_ServingStatus.SERVING);
  });

  it("answers SERVING through REST GET /healthz", async () => {
    const res = await fetch(`${server.baseUrl}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "SERVING" });
  });

  it("knows each dd.v1 service by name and refuses an unknown one with NOT_FOUND", async () => {
    const client = createClient(Health, connectTransports(server.baseUrl)["Connect over HTTP/2"]!);
    expect((await client.check({ service: MandateService.typeName })).status).toBe(
      HealthCheckResponse_ServingStatus.SERVING,
    );
    expect(await codeOf(() => client.check({ service: "no.such.Service" }))).toBe(Code.NotFound);
  });
});

describe("a public RPC (CompleteMandateInvite with an unknown token)", () => {
  const request = {
    inviteToken: "abc",
    accountHolderName: "A Payer",
    sortCode: "200000",
    accountNumber: "55779911",
    accountHolderConfirmed: true,
  };

  it.each(Object.keys(connectTransportsFor()))("answers NOT_FOUND through %s", async (name) => {
    const client = createClient(MandateInviteService, connectTransports(server.baseUrl)[name]!);
    expect(await codeOf(() => client.completeMandateInvite(request))).toBe(Code.NotFound);
  });

  it("answers NOT_FOUND through @grpc/grpc-js", async () => {
    const res = await grpcJsUnary(grpcJs, MandateInviteService.method.completeMandateInvite, request);
    expect(res.code).toBe(grpc.status.NOT_FOUND);
  });

  it("answers 404 through REST with a JSON error body", async () => {
    const res = await fetch(`${server.baseUrl}/v1/mandateInvites/abc:complete`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        accountHolderName: "A Payer",
        sortCode: "200000",
        accountNumber: "55779911",
        accountHolderConfirmed: true,
      }),
    });
    expect(res.status).toBe(404);
    const body = (await res.json()) as { code: string; message: string };
    expect(body.code).toBe("not_found");
  });
});

describe("a read RPC that needs credentials", () => {
  it.each(Object.keys(connectTransportsFor()))(
    "answers UNAUTHENTICATED without credentials through %s",
    async (name) => {
      const client = createClient(MandateService, connectTransports(server.baseUrl)[name]!);
      expect(await codeOf(() => client.getMandate({ mandateId: "MD1" }))).toBe(Code.Unauthenticated);
    },
  );

  it("is reachable with Connect GET (NO_SIDE_EFFECTS)", async () => {
    const client = createClient(
      MandateService,
      createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "1.1", useHttpGet: true }),
    );
    expect(await codeOf(() => client.getMandate({ mandateId: "MD1" }))).toBe(Code.Unauthenticated);
    const url = `${server.baseUrl}/dd.v1.MandateService/GetMandate?encoding=json&message=${encodeURIComponent('{"mandateId":"MD1"}')}&connect=v1`;
    const res = await fetch(url);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="dd"');
  });

  it("answers 401 over REST and UNAUTHENTICATED over @grpc/grpc-js", async () => {
    const rest = await fetch(`${server.baseUrl}/v1/mandates/MD1`);
    expect(rest.status).toBe(401);
    expect(((await rest.json()) as { code: string }).code).toBe("unauthenticated");
    const res = await grpcJsUnary(grpcJs, MandateService.method.getMandate, { mandateId: "MD1" });
    expect(res.code).toBe(grpc.status.UNAUTHENTICATED);
  });
});

describe("every response", () => {
  it("carries an x-request-id, echoing a well-formed one from the caller", async () => {
    const res = await fetch(`${server.baseUrl}/healthz`, { headers: { "x-request-id": "req-123" } });
    expect(res.headers.get("x-request-id")).toBe("req-123");
    const generated = await fetch(`${server.baseUrl}/healthz`, { headers: { "x-request-id": "bad id with spaces" } });
    expect(generated.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("is logged once with request id, method, code and latency", async () => {
    await fetch(`${server.baseUrl}/healthz`, { headers: { "x-request-id": "log-check-1" } });
    const line = server.logs.find((l) => l.request_id === "log-check-1");
    expect(line).toMatchObject({
      msg: "rpc",
      service: "grpc.health.v1.Health",
      method: "Check",
      code: "ok",
      transport: "rest",
    });
    expect(typeof line?.latency_ms).toBe("number");
  });
});

function connectTransportsFor() {
  return connectTransports("http://127.0.0.1:1");
}
