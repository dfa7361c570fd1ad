/**
 * Request shape against a real listening server: the body limit answered so the client reads it,
 * the JSON nesting bound before any parse (REST and Connect), and the HTTP/1.1 and HTTP/2 limits.
 */
import * as http2 from "node:http2";
import { connect } from "node:net";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./support/test-server.js";

const twoMiB = 2 * 1024 * 1024;

/** bodyOf is `size` bytes of a JSON string field, with a Content-Length or streamed (chunked). */
function bodyOf(size: number, framing: "content-length" | "chunked"): Pick<RequestInit, "body"> & { duplex?: "half" } {
  const text = JSON.stringify({ service: "x".repeat(size) });
  if (framing === "content-length") return { body: text };
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.byteLength) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.subarray(offset, offset + 64 * 1024));
      offset += 64 * 1024;
    },
  });
  return { body: stream, duplex: "half" };
}

/** twentyCalls posts a 2 MiB body 20 times in a row on fetch's kept-alive connections. */
async function twentyCalls(url: string, framing: "content-length" | "chunked"): Promise<string[]> {
  const outcomes: string[] = [];
  for (let i = 0; i < 20; i++) {
    const outcome = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      ...bodyOf(twoMiB, framing),
      signal: AbortSignal.timeout(10_000),
    } as RequestInit).then(
      async (res) => `${res.status} ${((await res.json()) as { code: string }).code}`,
      (error: unknown) => `failed: ${String((error as { cause?: unknown }).cause ?? error)}`,
    );
    outcomes.push(outcome);
  }
  return outcomes;
}

describe("an oversized body", () => {
  let server: TestServer;
  beforeAll(async () => (server = await startTestServer({ readMaxBytes: 64 * 1024 })));
  afterAll(async () => server?.close());

  for (const framing of ["content-length", "chunked"] as const) {
    it(`is answered 413 on REST, read by 20 of 20 fetch calls with a 2 MiB body (${framing})`, async () => {
      const outcomes = await twentyCalls(`${server.baseUrl}/v1/mandateInvites/abc:complete`, framing);
      expect(outcomes).toEqual(Array(20).fill("413 resource_exhausted"));
    });

    it(`is answered RESOURCE_EXHAUSTED on Connect, read by 20 of 20 fetch calls with a 2 MiB body (${framing})`, async () => {
      const outcomes = await twentyCalls(`${server.baseUrl}/grpc.health.v1.Health/Check`, framing);
      expect(outcomes).toEqual(Array(20).fill("429 resource_exhausted"));
    });
  }
});

describe("a deeply nested JSON body", () => {
  let server: TestServer;
  beforeAll(async () => (server = await startTestServer({ readMaxBytes: 64 * 1024, jsonMaxDepth: 32 })));
  afterAll(async () => server?.close());

  const nested = (depth: number) => `{"service":${"[".repeat(depth - 1)}${"]".repeat(depth - 1)}}`;
  const post = (path: string, body: BodyInit, headers: Record<string, string> = {}) =>
    fetch(`${server.baseUrl}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body,
    }).then(async (res) => ({ status: res.status, body: (await res.json()) as { code: string; message: string } }));

  it("is refused on REST with 400 invalid_argument naming the nesting, before parsing", async () => {
    const deep = await post("/v1/mandateInvites/abc:complete", nested(33));
    expect(deep.status).toBe(400);
    expect(deep.body.code).toBe("invalid_argument");
    expect(deep.body.message).toMatch(/nests arrays and objects deeper than 32 levels/);
    // 32 levels are let through to the parser and the route (a wrong field type is another error).
    expect((await post("/v1/mandateInvites/abc:complete", nested(32))).body.message).not.toMatch(/nests/);
  });

  it("is refused on Connect JSON with INVALID_ARGUMENT naming the nesting", async () => {
    const deep = await post("/grpc.health.v1.Health/Check", nested(33));
    expect(deep.body).toMatchObject({ code: "invalid_argument", message: expect.stringMatching(/deeper than 32/) });
    expect((await post("/grpc.health.v1.Health/Check", nested(32))).body.message).not.toMatch(/nests/);
  });

  it("is refused on Connect JSON when gzip-compressed", async () => {
    const deep = await post("/grpc.health.v1.Health/Check", gzipSync(nested(33)), { "content-encoding": "gzip" });
    expect(deep.body).toMatchObject({ code: "invalid_argument", message: expect.stringMatching(/deeper than 32/) });
  });

  it("is refused in a Connect GET's message (base64, gzip), before authentication", async () => {
    const get = (json: string) => {
      const message = gzipSync(json).toString("base64url");
      const query = `connect=v1&encoding=json&base64=1&compression=gzip&message=${message}`;
      return fetch(`${server.baseUrl}/dd.v1.MandateService/ListMandates?${query}`).then(async (res) => ({
        status: res.status,
        body: (await res.json()) as { code: string; message: string },
      }));
    };
    const deep = await get(`{"pageToken":${"[".repeat(5_000)}${"]".repeat(5_000)}}`);
    expect(deep.status).toBe(400);
    expect(deep.body).toMatchObject({ code: "invalid_argument", message: expect.stringMatching(/deeper than 32/) });
    const shallow = await get(`{"pageSize":10}`);
    expect(shallow.body.code).toBe("unauthenticated");
  });

  it("is refused in an enveloped Connect streaming message", async () => {
    const message = new TextEncoder().encode(nested(33));
    const envelope = Buffer.alloc(5 + message.byteLength);
    envelope.writeUInt32BE(message.byteLength, 1);
    envelope.set(message, 5);
    const res = await fetch(`${server.baseUrl}/grpc.health.v1.Health/Watch`, {
      method: "POST",
      headers: { "content-type": "application/connect+json" },
      body: envelope,
    });
    const answer = Buffer.from(await res.arrayBuffer());
    const endStream = JSON.parse(answer.subarray(5).toString("utf8")) as { error?: { code: string; message: string } };
    expect(answer[0]).toBe(0b10); // the end-stream message
    expect(endStream.error).toMatchObject({
      code: "invalid_argument",
      message: expect.stringMatching(/deeper than 32/),
    });
  });
});

describe("a Host that is no URL authority", () => {
  let server: TestServer;
  beforeAll(async () => (server = await startTestServer()));
  afterAll(async () => server?.close());

  /** raw sends bytes on a new connection and returns the status line of the answer. */
  const raw = (request: string) =>
    new Promise<string>((resolve, reject) => {
      const socket = connect(server.port, "127.0.0.1", () => socket.end(request));
      let answer = "";
      socket.on("data", (chunk: Buffer) => (answer += chunk.toString("latin1")));
      socket.on("close", () => resolve(answer.split("\r\n", 1)[0] ?? ""));
      socket.on("error", reject);
    });
  const body = "{}";
  const check = (host: string, version = "1.1") =>
    `POST /grpc.health.v1.Health/Check HTTP/${version}\r\n${host}content-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`;

  it("is answered 400 over HTTP/1.1 and HTTP/1.0, and the server keeps serving", async () => {
    expect(await raw(check("host: [\r\n"))).toBe("HTTP/1.1 400 Bad Request");
    expect(await raw(check("", "1.0"))).toBe("HTTP/1.1 400 Bad Request");
    expect((await fetch(`${server.baseUrl}/healthz`)).status).toBe(200);
  });

  it("is answered 400 over HTTP/2 (:authority), and the server keeps serving", async () => {
    const session = http2.connect(server.baseUrl);
    try {
      const status = await new Promise<number>((resolve, reject) => {
        const stream = session.request({
          ":method": "POST",
          ":path": "/grpc.health.v1.Health/Check",
          ":authority": "[",
          "content-type": "application/json",
        });
        stream.on("response", (headers) => resolve(Number(headers[":status"])));
        stream.on("error", reject);
        stream.end(body);
      });
      expect(status).toBe(400);
    } finally {
      session.close();
    }
    expect((await fetch(`${server.baseUrl}/healthz`)).status).toBe(200);
  });
});
