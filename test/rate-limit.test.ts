/**
 * Per-organisation rate limits as callers see them: headers on every API-key response, and the same
 * refusal through REST, Connect, gRPC-Web and a real @grpc/grpc-js client; waiting Retry-After works.
 *
 * The limiter decides on Redis's clock, which a test cannot stop, so nothing here assumes how fast
 * calls are: counts that must not refill use a limit of one a minute, and refusals are reached by
 * calling until refused (see untilRefused) rather than by a fixed number of calls.
 */
import { fromBinary } from "@bufbuild/protobuf";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MandateService } from "../gen/dd/v1/mandates_pb.js";
import { ErrorInfoSchema, QuotaFailureSchema, RetryInfoSchema } from "../gen/google/rpc/error_details_pb.js";
import { StatusSchema } from "../gen/google/rpc/status_pb.js";
import { Organisation } from "../src/modules/identity/organisation.entity.js";
import { errorDetailRegistry } from "../src/rpc/rest/index.js";
import { grpcJsClient, grpcJsUnary } from "./support/clients.js";
import { newApiKey, newOrganisation } from "./support/fixtures.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

let server: TestServer;
beforeAll(async () => (server = await startTestServer()));
afterAll(async () => server?.close());

/** limitedKey makes an organisation limited to 60 a minute with a burst of 2, and a key of it. */
async function limitedKey(perMinute = 60, burst = 2) {
  const org = await newOrganisation(server);
  await server.admin.em
    .fork()
    .nativeUpdate(Organisation, { id: org }, { rateLimitPerMinute: perMinute, rateLimitBurst: burst });
  return { org, ...(await newApiKey(server, org)) };
}

const rest = (secret: string) =>
  fetch(`${server.baseUrl}/v1/mandates/MD1`, { headers: { authorization: `Bearer ${secret}` } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * untilRefused calls until the limit refuses, at most 50 times, and returns the refusal; the calls
 * before it must have been admitted, at least the burst of 2 (a fresh bucket admits the burst).
 * Against a limit of one a second (limitedKey's default), calls use up the burst faster than it
 * refills unless they take a second each on average, where a fixed three calls would need to fit in
 * one second. Every refusal of that limit says Retry-After: 1 (the wait is at most one interval).
 */
async function untilRefused<T>(call: () => Promise<T>, refused: (answer: T) => boolean, burst = 2): Promise<T> {
  for (let i = 0; i < 50; i++) {
    const answer = await call();
    if (!refused(answer)) continue;
    if (i < burst) throw new Error(`refused after ${i} calls, within the burst of ${burst}`);
    return answer;
  }
  throw new Error("the limit refused none of 50 calls");
}

describe("rate-limit headers", () => {
  it("come with every API-key response, success or error", async () => {
    const key = await limitedKey(1000, 100);
    const res = await rest(key.secret);
    expect(res.status).toBe(404); // there is no mandate MD1; the call still counts
    expect(res.headers.get("ratelimit-policy")).toBe('"organisation";q=1000;w=60');
    expect(res.headers.get("ratelimit")).toMatch(/^"organisation";r=99;t=1$/);
  });

  it("come with a refused NUL character too, which only PostgreSQL notices", async () => {
    const key = await limitedKey(1000, 100);
    const res = await fetch(`${server.baseUrl}/v1/collections?mandate_id=MD%00`, {
      headers: { authorization: `Bearer ${key.secret}` },
    });
    expect(res.status).toBe(400);
    expect(res.headers.get("ratelimit")).toMatch(/^"organisation";r=99;t=1$/);
  });

  it("count per organisation, whichever of its keys is used", async () => {
    const key = await limitedKey(1, 3); // one a minute: nothing refills between the two calls
    const other = await newApiKey(server, key.org);
    expect((await rest(key.secret)).headers.get("ratelimit")).toMatch(/r=2;/);
    expect((await rest(other.secret)).headers.get("ratelimit")).toMatch(/r=1;/);
  });
});

describe("over the limit", () => {
  it("REST answers 429 with Retry-After, RateLimit headers and a JSON body with the details", async () => {
    const key = await limitedKey();
    const refused = await untilRefused(
      () => rest(key.secret),
      (res) => res.status === 429,
    );
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(refused.headers.get("ratelimit")).toMatch(/^"organisation";r=0;t=\d+$/);
    const body = (await refused.json()) as { code: string; message: string; details: Record<string, unknown>[] };
    expect(body.code).toBe("resource_exhausted");
    expect(body.details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          "@type": "type.googleapis.com/google.rpc.RetryInfo",
          retryDelay: expect.stringMatching(/^\d+(\.\d+)?s$/),
        }),
        expect.objectContaining({
          "@type": "type.googleapis.com/google.rpc.QuotaFailure",
          violations: [expect.objectContaining({ subject: `organisation:${key.org}` })],
        }),
        expect.objectContaining({ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "RATE_LIMITED" }),
      ]),
    );
    await sleep(Number(refused.headers.get("retry-after")) * 1000);
    expect((await rest(key.secret)).status).toBe(404);
  });

  it.each([
    ["Connect", (baseUrl: string) => createConnectTransport({ baseUrl, httpVersion: "1.1" })],
    ["gRPC-Web", (baseUrl: string) => createGrpcWebTransport({ baseUrl, httpVersion: "1.1" })],
  ])("%s answers RESOURCE_EXHAUSTED with retry-after and RetryInfo", async (_, transport) => {
    const key = await limitedKey();
    const client = createClient(MandateService, transport(server.baseUrl));
    const call = () =>
      client.getMandate({ mandateId: "MD1" }, { headers: { authorization: `Bearer ${key.secret}` } }).then(
        () => undefined,
        (e: unknown) => ConnectError.from(e),
      );
    const refused = await untilRefused(call, (e) => e?.code === Code.ResourceExhausted);
    expect(refused?.metadata.get("retry-after")).toBe("1");
    const retry = refused?.findDetails(RetryInfoSchema)[0];
    expect(Number(retry?.retryDelay?.seconds) * 1000 + (retry?.retryDelay?.nanos ?? 0) / 1e6).toBeGreaterThan(0);
    expect(refused?.findDetails(QuotaFailureSchema)[0]?.violations[0]?.subject).toBe(`organisation:${key.org}`);
    expect(refused?.findDetails(ErrorInfoSchema)[0]?.reason).toBe("RATE_LIMITED");
    await sleep(1000);
    expect((await call())?.code).toBe(Code.NotFound);
  });

  it("Connect over HTTP/1.1 answers HTTP 429", async () => {
    const key = await limitedKey();
    const post = () =>
      fetch(`${server.baseUrl}/dd.v1.MandateService/GetMandate`, {
        method: "POST",
        headers: { authorization: `Bearer ${key.secret}`, "content-type": "application/json" },
        body: '{"mandateId":"MD1"}',
      });
    const refused = await untilRefused(post, (res) => res.status === 429);
    expect(refused.headers.get("retry-after")).toBe("1");
  });

  it("@grpc/grpc-js gets status 8 with retry-after in the trailers and a decodable RetryInfo", async () => {
    const key = await limitedKey();
    const client = grpcJsClient(server.port);
    try {
      const call = () =>
        grpcJsUnary(
          client,
          MandateService.method.getMandate,
          { mandateId: "MD1" },
          { authorization: `Bearer ${key.secret}` },
        );
      const refused = await untilRefused(call, (r) => r.code === grpc.status.RESOURCE_EXHAUSTED);
      expect(refused.trailers?.get("retry-after")).toEqual(["1"]);
      const status = fromBinary(StatusSchema, refused.trailers?.get("grpc-status-details-bin")[0] as Buffer);
      const details = status.details.map((any) => anyUnpack(any, errorDetailRegistry));
      const retry = details.find((d) => d?.$typeName === "google.rpc.RetryInfo");
      expect(retry).toBeDefined();
      await sleep(1000);
      expect((await call()).code).toBe(grpc.status.NOT_FOUND);
    } finally {
      client.close();
    }
  });
});

describe("refusals", () => {
  it("all carry Retry-After, and a client that waits it is admitted", async () => {
    const key = await limitedKey();
    // Three rounds of: call until refused, wait what the refusal says, be admitted.
    for (let round = 0; round < 3; round++) {
      const res = await untilRefused(
        () => rest(key.secret),
        (r) => r.status === 429,
        round === 0 ? 2 : 0, // the burst is spent after the first round
      );
      const wait = res.headers.get("retry-after");
      expect(wait).toMatch(/^[1-9]\d*$/);
      await sleep(Number(wait) * 1000);
      expect((await rest(key.secret)).status, `round ${round}`).toBe(404);
    }
  });
});
