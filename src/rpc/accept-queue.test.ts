import { spawn } from "node:child_process";
import { connect, type Socket } from "node:net";
import { afterEach, expect, it } from "vitest";
import { acceptQueueLength } from "./accept-queue.js";

const opened: Socket[] = [];
let server: ReturnType<typeof spawn> | undefined;
afterEach(() => {
  for (const socket of opened) socket.destroy();
  opened.length = 0;
  server?.kill("SIGKILL");
  server = undefined;
});

it.runIf(process.platform === "linux")("counts the connections a listening port holds unaccepted", async () => {
  // A process that listens, then blocks (idle) without returning to its event loop, so it accepts
  // nothing; it exits by itself after 30 s should the test die before killing it.
  server = spawn(process.execPath, [
    "-e",
    `const s = require("node:net").createServer().listen(0, "127.0.0.1", () => {
       process.stdout.write(String(s.address().port) + "\\n");
       Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 30_000);
       process.exit(0);
     });`,
  ]);
  const port = await new Promise<number>((resolve) =>
    server!.stdout!.once("data", (chunk: Buffer) => resolve(Number(chunk.toString()))),
  );
  expect(acceptQueueLength(port, "IPv4")).toBe(0);
  for (let i = 0; i < 3; i++) {
    const socket = connect(port, "127.0.0.1");
    socket.on("error", () => undefined);
    opened.push(socket);
    await new Promise((resolve) => socket.once("connect", resolve));
  }
  expect(acceptQueueLength(port, "IPv4")).toBe(3);
  expect(acceptQueueLength(port, "IPv6")).toBeUndefined(); // nothing listens there on IPv6
});
