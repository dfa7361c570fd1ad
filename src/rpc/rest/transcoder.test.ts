import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { create, type DescMessage, type DescMethodUnary, type Message } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  createConnectRouter,
  createContextKey,
  createContextValues,
  type Interceptor,
} from "@connectrpc/connect";
import type { UniversalHandler } from "@connectrpc/connect/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorInfoSchema, RetryInfoSchema } from "../../../gen/google/rpc/error_details_pb.js";
import {
  Health,
  HealthCheckResponse_ServingStatus,
  HealthCheckResponseSchema,
} from "../../../gen/health/v1/health_pb.js";
import { ProbeService } from "./test-fixture.js";
import { createRestTranscoder, type RestHandler } from "./transcoder.js";

const kTag = createContextKey<string>("", { description: "set by the server, read by handlers" });

/** A stand-in for the real chain: authenticates, sets rate-limit headers, sees context values. */
const gate: Interceptor = (next) => async (req) => {
  if (req.service.typeName !== Health.typeName && req.header.get("authorization") !== "Bearer ok") {
    throw new ConnectError("no credentials", Code.Unauthenticated, { "www-authenticate": "Bearer" });
  }
  const res = await next(req);
  res.header.set("ratelimit", "limit=100, remaining=99, reset=60");
  res.header.set("x-tag", req.contextValues.get(kTag));
  res.header.set("x-idempotency-key", req.header.get("idempotency-key") ?? "");
  res.header.set("x-request-protocol", req.header.get("connect-protocol-version") ?? "");
  res.trailer.set("x-from-trailer", "yes");
  return res;
};

let aborted: Promise<unknown>;
let markStarted: () => void;
const started = new Promise<void>((resolve) => (markStarted = resolve));

function buildRouter() {
  const router = createConnectRouter({ interceptors: [gate], readMaxBytes: 1024 });
  const method = (name: string) =>
    ProbeService.methods.find((m) => m.name === name) as DescMethodUnary<DescMessage, DescMessage>;
  const echo = (req: Message) => req;
  router.rpc(method("GetProbe"), echo);
  router.rpc(method("ListProbes"), echo);
  router.rpc(method("UpdateProbe"), echo);
  router.rpc(method("GetFile"), echo);
  router.rpc(method("CancelProbe"), () => {
    throw new ConnectError("slow down", Code.ResourceExhausted, { "retry-after": "7" }, [
      { desc: ErrorInfoSchema, value: { reason: "RATE_LIMITED", domain: "dd", metadata: { limit: "100" } } },
      { desc: RetryInfoSchema, value: { retryDelay: { seconds: 7n } } },
    ]);
  });
  router.rpc(method("DeleteProbe"), async (req, ctx) => {
    aborted = new Promise((resolve) => ctx.signal.addEventListener("abort", () => resolve(ctx.signal.reason)));
    markStarted();
    await aborted;
    return req;
  });
  router.service(Health, {
    check: () => create(HealthCheckResponseSchema, { status: HealthCheckResponse_ServingStatus.SERVING }),
    watch: async function* () {},
  });
  return router;
}

/** Serves a transcoder on a real HTTP server on a free port; the server passes its context values. */
async function serve(transcode: RestHandler): Promise<{ server: Server; base: string }> {
  const server = createServer((req, res) => {
    void transcode(req, res, createContextValues().set(kTag, "ctx-1"));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function stop(server: Server) {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

let server: Server;
let base: string;

beforeAll(async () => {
  const router = buildRouter();
  const transcode = createRestTranscoder({
    handlers: router.handlers,
    readMaxBytes: 1024,
    jsonMaxDepth: 32,
    extraRoutes: [{ verb: "GET", path: "/healthz", method: Health.method.check }],
  });
  ({ server, base } = await serve(transcode));
});

afterAll(() => stop(server));

const auth = { authorization: "Bearer ok" };

describe("createRestTranscoder over a real Connect router", () => {
  it("serves a GET with typed query parameters through the router's handler and interceptors", async () => {
    const res = await fetch(
      `${base}/v1/probes?i64=9007199254740993&i32=5&colors=COLOR_RED&colors=2&inner.email=a%40b.co&flag=true`,
      {
        headers: { ...auth, "connect-protocol-version": "7" },
      },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(await res.json()).toEqual({
      i32: 5,
      i64: "9007199254740993",
      flag: true,
      colors: ["COLOR_RED", "COLOR_GREEN"],
      inner: { email: "a@b.co" },
    });
    expect(res.headers.get("ratelimit")).toBe("limit=100, remaining=99, reset=60");
    expect(res.headers.get("x-tag")).toBe("ctx-1");
    expect(res.headers.get("x-from-trailer")).toBe("yes");
    // The client cannot steer the Connect protocol: the transcoder sets its own headers.
    expect(res.headers.get("x-request-protocol")).toBe("1");
  });

  it("serves a path variable with a custom verb", async () => {
    const res = await fetch(`${base}/v1/files/a/b%2Fc`, { headers: auth });
    expect(await res.json()).toEqual({ text: "files/a/b%2Fc" });
  });

  it("serves a POST whose JSON body is the request, forwarding Idempotency-Key", async () => {
    const res = await fetch(`${base}/v2/files/f1`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json", "idempotency-key": "k-1" },
      body: JSON.stringify({ u64: "18446744073709551615", createTime: "2024-01-31T12:00:00Z" }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ text: "f1", u64: "18446744073709551615", createTime: "2024-01-31T12:00:00Z" });
    expect(res.headers.get("x-idempotency-key")).toBe("k-1");
  });

  it("serves a PATCH whose body goes into a field, with a FieldMask from the query", async () => {
    const res = await fetch(`${base}/v1/probes/a%40b.co?update_mask=inner.display_name`, {
      method: "PATCH",
      headers: { ...auth, "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify({ displayName: "Ann" }),
    });
    expect(await res.json()).toEqual({
      inner: { email: "a@b.co", displayName: "Ann" },
      updateMask: "inner.displayName",
    });
  });

  it("serves an extra route onto an RPC without annotation", async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "SERVING" });
  });

  it("answers 404 with a JSON error for an unknown path", async () => {
    const res = await fetch(`${base}/v1/nothing?x=1`, { headers: auth });
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(await res.json()).toEqual({ code: "not_found", message: "no route for GET /v1/nothing", details: [] });
  });

  it("answers 405 with Allow for a known path and another method", async () => {
    const res = await fetch(`${base}/v1/probes/P1`, { method: "PUT", headers: auth });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, PATCH, DELETE");
    expect(await res.json()).toMatchObject({ code: "unimplemented" });
  });

  it("answers an RPC error with the Connect status, decoded details and the error's headers", async () => {
    const res = await fetch(`${base}/v1/probes/P1:cancel`, { method: "POST", headers: auth });
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("7");
    expect(await res.json()).toEqual({
      code: "resource_exhausted",
      message: "slow down",
      details: [
        {
          "@type": "type.googleapis.com/google.rpc.ErrorInfo",
          reason: "RATE_LIMITED",
          domain: "dd",
          metadata: { limit: "100" },
        },
        { "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "7s" },
      ],
    });
  });

  it("answers 401 from the interceptor chain, with WWW-Authenticate", async () => {
    const res = await fetch(`${base}/v1/probes/P1`);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe("Bearer");
    expect(await res.json()).toEqual({ code: "unauthenticated", message: "no credentials", details: [] });
  });

  it("answers 400 naming a bad query parameter, with a BadRequest field violation", async () => {
    const res = await fetch(`${base}/v1/probes?i32=many`, { headers: auth });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.code).toBe("invalid_argument");
    expect(body.message).toContain('query parameter "i32"');
    expect(body.details).toEqual([
      {
        "@type": "type.googleapis.com/google.rpc.BadRequest",
        fieldViolations: [{ field: "i32", description: body.message }],
      },
    ]);
  });

  it("answers 400 for a body that is not JSON, and for a GET with a body", async () => {
    const bad = await fetch(`${base}/v2/files/f1`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: "{nope",
    });
    expect(bad.status).toBe(400);
    expect((await bad.json()).message).toContain("not valid JSON");
    const withBody = await fetch(`${base}/v1/probes/P1`, {
      method: "DELETE",
      headers: { ...auth, "content-type": "application/json" },
      body: "{}",
    });
    expect(withBody.status).toBe(400);
    expect((await withBody.json()).message).toContain("takes no request body");
  });

  it("answers 415 for a form body", async () => {
    const res = await fetch(`${base}/v2/files/f1`, {
      method: "POST",
      headers: auth,
      body: new URLSearchParams({ a: "b" }),
    });
    expect(res.status).toBe(415);
  });

  it("answers 413 resource_exhausted for a body over readMaxBytes", async () => {
    const res = await fetch(`${base}/v2/files/f1`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ text: "x".repeat(5000) }),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      code: "resource_exhausted",
      message: "the request body is larger than the limit of 1024 bytes",
      details: [],
    });
  });

  it("answers 413 for a chunked body that grows over readMaxBytes while read", async () => {
    const chunk = new TextEncoder().encode(`"${"x".repeat(600)}",`);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"tags":['));
        controller.enqueue(chunk);
        controller.enqueue(chunk);
        controller.close();
      },
    });
    const res = await fetch(`${base}/v2/files/f1`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect((await res.json()).code).toBe("resource_exhausted");
  });

  it("answers a plain 500 for a failure inside the transcoder and reports it", async () => {
    const reported: unknown[] = [];
    const getProbe = ProbeService.methods.find((m) => m.name === "GetProbe")!;
    const broken = Object.assign(
      async (): Promise<never> => {
        throw new Error("secret internals");
      },
      { method: getProbe, service: ProbeService, requestPath: "/rest.test.v1.ProbeService/GetProbe" },
    ) as unknown as UniversalHandler;
    const { server: s, base: b } = await serve(
      createRestTranscoder({
        handlers: [broken],
        readMaxBytes: 1024,
        jsonMaxDepth: 32,
        onInternalError: (e) => reported.push(e),
      }),
    );
    try {
      const res = await fetch(`${b}/v1/probes/P1`);
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({ code: "internal", message: "internal error", details: [] });
      expect(reported).toEqual([new Error("secret internals")]);
    } finally {
      await stop(s);
    }
  });

  it("aborts the handler's signal when the client goes away", async () => {
    const client = new AbortController();
    const pending = fetch(`${base}/v1/probes/P1`, { method: "DELETE", headers: auth, signal: client.signal }).catch(
      () => undefined,
    );
    await started;
    client.abort();
    await pending;
    const reason = await aborted;
    expect(reason).toBeInstanceOf(ConnectError);
  });
});
