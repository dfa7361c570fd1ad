import { spawn } from "node:child_process";
import { connect as connectHttp2, constants } from "node:http2";
import { connect as connectTcp, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { OnePortListener } from "./one-port-listener.js";

let listener: OnePortListener | undefined;
afterEach(async () => {
  await listener?.close(500);
  listener = undefined;
});

/**
 * serve answers every request with 200 "ok", or holds it open for `holdMs` when the path is /hold, or
 * answers "read" once the whole body has arrived when the path is /read.
 */
async function serve(timeouts: ConstructorParameters<typeof OnePortListener>[1], holdMs = 0): Promise<number> {
  listener = new OnePortListener((req, res) => {
    if (req.url === "/hold") setTimeout(() => res.end("held"), holdMs);
    else if (req.url === "/read") req.resume().once("end", () => res.end("read"));
    else res.end("ok");
  }, timeouts);
  return listener.listen(0, "127.0.0.1");
}

function closedAfter(emitter: { once(event: "close", listener: () => void): unknown }): Promise<number> {
  const started = Date.now();
  return new Promise((resolve) => emitter.once("close", () => resolve(Date.now() - started)));
}

describe("OnePortListener idle timeouts", () => {
  it("closes a connection that never says which protocol it speaks", async () => {
    const port = await serve({ detectMs: 200 });
    const socket = connectTcp(port, "127.0.0.1");
    socket.on("error", () => undefined);
    const elapsed = await closedAfter(socket);
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(elapsed).toBeLessThan(5_000);
  });

  it("closes an idle HTTP/2 connection, but not one with a request in flight", async () => {
    const port = await serve({ http2IdleMs: 300 }, 800);
    const idle = connectHttp2(`http://127.0.0.1:${port}`);
    idle.on("error", () => undefined);
    const ok = idle.request({ ":path": "/" });
    ok.resume();
    ok.end();
    await new Promise((resolve) => ok.once("close", resolve));
    const idleClosed = closedAfter(idle);

    const busy = connectHttp2(`http://127.0.0.1:${port}`);
    busy.on("error", () => undefined);
    const held = busy.request({ ":path": "/hold" });
    let body = "";
    held.setEncoding("utf8");
    held.on("data", (chunk: string) => (body += chunk));
    held.end();
    await new Promise((resolve) => held.once("close", resolve));
    expect(body).toBe("held"); // 800 ms of silence inside a request, past the 300 ms idle timeout
    expect(await idleClosed).toBeLessThan(5_000);
    busy.close();
  });

  it("closes an HTTP/2 connection that opens no stream within headersMs", async () => {
    const port = await serve({ headersMs: 300 });
    const unused = connectHttp2(`http://127.0.0.1:${port}`);
    unused.on("error", () => undefined);
    const elapsed = await closedAfter(unused);
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(5_000);
  });
});

describe("OnePortListener limits", () => {
  it("advertises HTTP/2 stream and header-list limits", async () => {
    const port = await serve({});
    const session = connectHttp2(`http://127.0.0.1:${port}`);
    session.on("error", () => undefined);
    await new Promise((resolve) => session.once("remoteSettings", resolve));
    expect(session.remoteSettings).toMatchObject({ maxConcurrentStreams: 100, maxHeaderListSize: 16 * 1024 });
    session.close();
  });

  it("answers 408 to an HTTP/1.1 client that sends its headers too slowly", async () => {
    const port = await serve({ headersMs: 300, requestMs: 1_000, checkIntervalMs: 50 });
    const socket = connectTcp(port, "127.0.0.1");
    socket.on("error", () => undefined);
    let answer = "";
    socket.on("data", (chunk: Buffer) => (answer += chunk.toString("latin1")));
    socket.write("GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ");
    const elapsed = await closedAfter(socket);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(elapsed).toBeLessThan(3_000);
  });

  it("cuts a request still open past maxRequestMs, on HTTP/1.1 and HTTP/2", async () => {
    const port = await serve({ maxRequestMs: 300 }, 10_000);
    const h1 = await fetch(`http://127.0.0.1:${port}/hold`).then(
      (res) => res.text(),
      (error: unknown) => `cut: ${String(error)}`,
    );
    expect(h1).toMatch(/^cut/);
    const session = connectHttp2(`http://127.0.0.1:${port}`);
    session.on("error", () => undefined);
    const held = session.request({ ":path": "/hold" });
    held.on("error", () => undefined);
    held.resume();
    held.end();
    const elapsed = await closedAfter(held);
    expect(held.rstCode).not.toBe(0);
    expect(elapsed).toBeLessThan(5_000);
    session.close();
  });

  it("resets an HTTP/2 stream whose body is still arriving after requestMs, not a slow answer", async () => {
    const port = await serve({ headersMs: 200, requestMs: 300 }, 800);
    const session = connectHttp2(`http://127.0.0.1:${port}`);
    session.on("error", () => undefined);
    const trickle = session.request({ ":path": "/read", ":method": "POST" });
    trickle.on("error", () => undefined);
    trickle.resume();
    trickle.write("never ends");
    const elapsed = await closedAfter(trickle);
    expect(trickle.rstCode).toBe(constants.NGHTTP2_CANCEL);
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(5_000);

    // A request sent whole whose answer takes longer than requestMs is answered.
    const held = session.request({ ":path": "/hold" });
    let body = "";
    held.setEncoding("utf8");
    held.on("data", (chunk: string) => (body += chunk));
    held.end();
    await new Promise((resolve) => held.once("close", resolve));
    expect(body).toBe("held");
    session.close();
  });
});

describe("OnePortListener draining", () => {
  it("answers a request whose headers were still arriving at close, however long its handler takes", async () => {
    const port = await serve({}, 1_500);
    const socket = connectTcp(port, "127.0.0.1");
    socket.on("error", () => undefined);
    let answer = "";
    socket.on("data", (chunk: Buffer) => (answer += chunk.toString("latin1")));
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.write("GET /hold HTTP/1.1\r\nHost: x\r\n");
    await new Promise((resolve) => setTimeout(resolve, 100)); // detected as HTTP/1.1, no request yet
    const closed = listener!.close(10_000);
    socket.write("\r\n"); // the request reaches the handler, which holds it longer than a second
    await new Promise((resolve) => socket.once("close", resolve));
    await closed;
    listener = undefined;
    expect(answer).toMatch(/^HTTP\/1\.1 200[\s\S]*held$/);
  });

  it("answers every connection the kernel made before the port closed, though a busy loop accepts them late", async () => {
    const connections = 40;
    const port = await serve({ acceptWhileDrainingMs: 100 });
    // A loop busy 30 ms a turn accepts a connection or so a turn: most of the client's wait in the
    // kernel's queue well past the 100 ms window.
    let busy = true;
    const work = () => {
      const until = Date.now() + 30;
      while (Date.now() < until);
      if (busy) setTimeout(work, 0);
    };
    setTimeout(work, 0);
    // Another process, whose connects do not wait for this busy loop.
    const client = spawn(process.execPath, [
      "-e",
      `const net = require("node:net");
       let sent = 0, done = 0, ok = 0;
       const errors = [];
       for (let i = 0; i < ${connections}; i++) {
         const s = net.connect(${port}, "127.0.0.1", () =>
           s.write("GET / HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n", () => {
             if (++sent === ${connections}) process.stdout.write("sent\\n");
           }));
         let answer = "";
         s.on("data", (chunk) => (answer += chunk));
         s.on("error", (error) => errors.push(error.code));
         s.on("close", () => {
           if (/^HTTP\\/1\\.1 200[\\s\\S]*ok$/.test(answer)) ok++;
           if (++done === ${connections}) process.stdout.write(JSON.stringify({ ok, errors }) + "\\n");
         });
       }`,
    ]);
    let output = "";
    let closed: Promise<void> | undefined;
    try {
      client.stdout.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        if (closed === undefined && output.startsWith("sent\n")) closed = listener!.close(10_000);
      });
      await new Promise((resolve) => client.once("exit", resolve));
    } finally {
      busy = false;
      client.kill();
      await closed;
    }
    listener = undefined;
    expect(JSON.parse(output.slice("sent\n".length))).toEqual({ ok: connections, errors: [] });
  });

  it("does not cut a connection whose bytes arrived in time but were read late (a busy loop)", async () => {
    const port = await serve({ detectMs: 300 });
    // Blocks the loop in the tick that accepted the connection, past detectMs: the client's request
    // then waits in the socket while the detection timer becomes due before the read.
    (listener as unknown as { tcp: Server }).tcp.once("connection", () => {
      const until = Date.now() + 700;
      while (Date.now() < until);
    });
    // Another process, so the request is written while this one is blocked.
    const client = spawn(process.execPath, [
      "-e",
      `const s = require("node:net").connect(${port}, "127.0.0.1", () =>
         s.write("GET / HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n"));
       let answer = "";
       s.on("data", (chunk) => (answer += chunk));
       s.on("error", (error) => (answer += "error " + error.code));
       s.on("close", () => process.stdout.write(answer));`,
    ]);
    let output = "";
    client.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    await new Promise((resolve) => client.once("exit", resolve));
    expect(output).toMatch(/^HTTP\/1\.1 200[\s\S]*ok$/);
  });
});
