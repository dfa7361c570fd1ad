/**
 * service-process.ts runs the real service (`src/main.ts` through tsx, or a build's `dist/main.js`)
 * as a child process and reads its JSON log lines: for tests of start-up, shutdown and several replicas.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";

export interface ServiceProcess {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  rawLines: string[];
  stderr: string[];
  /** waitFor resolves with the first log line whose msg is `msg` (rejects if the process exits first). */
  waitFor(msg: string): Promise<Record<string, unknown>>;
  exited: Promise<number | null>;
  /** stop sends SIGTERM and waits for the exit code. */
  stop(): Promise<number | null>;
}

/** How to run the service: node's arguments and working directory (default: the source through tsx, here). */
export interface ServiceCommand {
  args: readonly string[];
  cwd?: string;
}

/** serviceSecrets is what a service on DATABASE_URL must be given besides it (main refuses to start without). */
export const serviceSecrets = { ACCOUNT_NUMBER_KEY: "service-process-test-account-number-key-0123456789" };

/** startService spawns the service with PORT=0 and METRICS_PORT=0 plus env; DATABASE_URL/REDIS_URL only if given. */
export function startService(
  env: Record<string, string>,
  command: ServiceCommand = { args: ["--import", "tsx", "src/main.ts"] },
): ServiceProcess {
  const { DATABASE_URL: _d, REDIS_URL: _r, ...inherited } = process.env;
  const child = spawn(process.execPath, command.args, {
    cwd: command.cwd,
    env: { ...inherited, PORT: "0", METRICS_PORT: "0", HOST: "127.0.0.1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: Record<string, unknown>[] = [];
  const rawLines: string[] = [];
  const stderr: string[] = [];
  const waiters: { msg: string; resolve: (line: Record<string, unknown>) => void }[] = [];
  createInterface({ input: child.stdout! }).on("line", (text) => {
    rawLines.push(text);
    if (!text.startsWith("{")) return; // the first-start printout is plain text
    const line = JSON.parse(text) as Record<string, unknown>;
    lines.push(line);
    for (const w of waiters.filter((w) => w.msg === line.msg)) w.resolve(line);
  });
  child.stderr!.on("data", (chunk: Buffer) => stderr.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    lines,
    rawLines,
    stderr,
    exited,
    waitFor(msg) {
      const seen = lines.find((l) => l.msg === msg);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ msg, resolve });
        void exited.then((code) => reject(new Error(`exited ${code} before "${msg}": ${stderr.join("")}`)));
      });
    },
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
}
