/**
 * spawn.ts starts a bench server child (bench/serve.ts) from the runner, waits for its ReadyLine,
 * and stops it again: SIGTERM, then SIGKILL if it does not exit in time.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { type ReadyLine, type ServerKind, startTimeoutMs } from "./protocol.js";

/** BenchServer is a running server child. */
export interface BenchServer extends ReadyLine {
  kind: ServerKind;
  /** The server process, to read its CPU time. */
  pid: number;
  /** stop asks the child to shut down (it drops its database) and resolves once it has exited. */
  stop(): Promise<void>;
}

const projectRoot = fileURLToPath(new URL("../../", import.meta.url));
const serveScript = fileURLToPath(new URL("../serve.ts", import.meta.url));
/** The child's own cleanup deadline is 20 s; give it a little more before killing it. */
const exitTimeoutMs = 25_000;

/** startBenchServer spawns `kind` and resolves when it listens; the child exits by itself after maxSeconds. */
export function startBenchServer(kind: ServerKind, maxSeconds: number): Promise<BenchServer> {
  // `node --import tsx` rather than the tsx CLI, so the pid we signal is the server itself.
  const child = spawn(process.execPath, ["--import", "tsx", serveScript, kind, String(Math.ceil(maxSeconds))], {
    cwd: projectRoot,
    stdio: ["pipe", "pipe", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // The child gives up by itself at its own start timeout; this is the net under it.
  const readyTimeoutMs = startTimeoutMs(kind) + 30_000;
  return new Promise<BenchServer>((resolve, reject) => {
    const timer = setTimeout(() => {
      void stopChild(child, exited, undefined);
      reject(new Error(`bench server "${kind}" did not become ready in ${readyTimeoutMs} ms`));
    }, readyTimeoutMs);
    const onExit = (code: number | null, signal: string | null) => {
      clearTimeout(timer);
      reject(new Error(`bench server "${kind}" exited before it was ready (code ${code}, signal ${signal})`));
    };
    child.once("exit", onExit);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    let ready: ReadyLine | undefined;
    createInterface({ input: child.stdout! }).on("line", (line) => {
      if (ready) {
        process.stderr.write(`[${kind}] ${line}\n`); // anything after the ready line is not ours to parse
        return;
      }
      clearTimeout(timer);
      child.off("exit", onExit);
      try {
        ready = JSON.parse(line) as ReadyLine;
      } catch {
        void stopChild(child, exited, undefined);
        reject(new Error(`bench server "${kind}" printed ${JSON.stringify(line)} instead of its ready line`));
        return;
      }
      const info = ready;
      resolve({ ...info, kind, pid: child.pid ?? 0, stop: () => stopChild(child, exited, info.database) });
    });
  });
}

/** stopChild sends SIGTERM, waits, and kills the child if it hangs (then warns about its database). */
async function stopChild(child: ChildProcess, exited: Promise<void>, database: string | undefined): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), exitTimeoutMs)));
  const outcome = await Promise.race([exited, late]);
  clearTimeout(timer);
  if (outcome === "late") {
    child.kill("SIGKILL");
    await exited;
    if (database) process.stderr.write(`warning: bench server was killed; database ${database} may be left behind\n`);
  }
  child.stdin?.destroy();
}
