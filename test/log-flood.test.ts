/**
 * Logs that cannot be flooded: clients that go away mid-response are expected behaviour, logged at
 * debug without a stack; a run of 200 of them adds at most a few lines at warn or above.
 */
import { connect as connectHttp2 } from "node:http2";
import { connect as connectTcp } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./support/test-server.js";

const watchEnvelope = (() => {
  const message = new TextEncoder().encode("{}");
  const envelope = Buffer.alloc(5 + message.byteLength);
  envelope.writeUInt32BE(message.byteLength, 1);
  envelope.set(message, 5);
  return envelope;
})();

/** watchThenLeave opens a Health Watch over HTTP/1.1, reads its first answer and goes away. */
async function watchThenLeave(baseUrl: string): Promise<void> {
  const leave = new AbortController();
  const res = await fetch(`${baseUrl}/grpc.health.v1.Health/Watch`, {
    method: "POST",
    headers: { "content-type": "application/connect+json" },
    body: watchEnvelope,
    signal: leave.signal,
  });
  const reader = res.body!.getReader();
  await reader.read();
  leave.abort();
  await reader.closed.catch(() => undefined);
}

/** askThenLeave sends a request on a raw socket and resets the connection before the answer. */
function askThenLeave(port: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = connectTcp(port, "127.0.0.1", () => {
      socket.write(`GET /v1/mandates?pageSize=100 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer nope\r\n\r\n`);
      setImmediate(() => socket.resetAndDestroy());
    });
    socket.on("error", () => undefined);
    socket.once("close", () => resolve());
  });
}

/** watchThenCancel opens a Health Watch over HTTP/2 (gRPC), reads its first answer and cancels it. */
function watchThenCancel(port: number): Promise<void> {
  return new Promise((resolve) => {
    const session = connectHttp2(`http://127.0.0.1:${port}`);
    session.on("error", () => undefined);
    const stream = session.request({
      ":method": "POST",
      ":path": "/grpc.health.v1.Health/Watch",
      "content-type": "application/grpc",
      te: "trailers",
    });
    stream.on("error", () => undefined);
    stream.end(Buffer.alloc(5));
    stream.once("data", () => {
      stream.close(0x8); // CANCEL
      session.destroy();
      resolve();
    });
  });
}

describe("clients that go away mid-response", () => {
  let server: TestServer;
  beforeAll(async () => (server = await startTestServer({ logLevel: "debug" })));
  afterAll(async () => server?.close());

  it("200 of them add at most a few log lines at warn or above, none with a stack", async () => {
    const before = server.logs.length;
    for (let i = 0; i < 200; i++) {
      if (i % 3 === 0) await watchThenLeave(server.baseUrl);
      else if (i % 3 === 1) await askThenLeave(server.port);
      else await watchThenCancel(server.port);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    const lines = server.logs.slice(before);
    const loud = lines.filter((line) => line.level !== "info" && line.level !== "debug");
    expect(loud.length, JSON.stringify(loud[0])).toBeLessThanOrEqual(3);
    expect(server.rawLogs.slice(before).filter((line) => line.includes('"stack"'))).toEqual([]);
    const gone = lines.filter((line) => line.msg === "client went away before the response ended");
    expect(gone.length).toBeGreaterThan(0);
    expect(gone.every((line) => line.level === "debug" && line.err === undefined)).toBe(true);
    // The server still answers.
    expect((await fetch(`${server.baseUrl}/healthz`)).status).toBe(200);
  });
});
