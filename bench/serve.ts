/**
 * serve.ts is the server child process of the bench: `tsx bench/serve.ts <kind> <maxSeconds>`.
 * It starts one kind of server on 127.0.0.1, prints a ReadyLine (one JSON line) on stdout, and
 * serves until SIGTERM/SIGINT, until its stdin closes (the runner is gone), or until maxSeconds
 * pass, whichever comes first; then it undoes everything it made, its database included. A
 * separate process so that, on two cores, the server and the load generator each get one.
 */
import { startBareServer } from "./server/bare.js";
import { startFullServer } from "./server/full.js";
import { startFullApiKeyServer } from "./server/full-api-key.js";
import { startFullMandatesServer } from "./server/full-mandates.js";
import { startFullReportsServer } from "./server/full-reports.js";
import { startPipelineServer } from "./server/pipeline.js";
import { type ReadyLine, type ServerKind, serverKinds, startTimeoutMs } from "./server/protocol.js";
import type { StartedServer } from "./server/started.js";

type Defer = (cleanup: () => Promise<void>) => void;

/** Every server kind's start function; a new kind is one more entry (and one in protocol.ts). */
const starters: Record<ServerKind, (defer: Defer) => Promise<StartedServer>> = {
  full: (defer) => startFullServer(defer),
  "full-api-key": (defer) => startFullApiKeyServer(defer),
  "full-api-key-local": (defer) => startFullApiKeyServer(defer, false),
  "full-mandates": startFullMandatesServer,
  "full-reports": startFullReportsServer,
  "pipeline-auth": (defer) => startPipelineServer(defer, false),
  "pipeline-auth-limit": (defer) => startPipelineServer(defer, true),
  bare: startBareServer,
  "bare-als": (defer) => startBareServer(defer, { asyncLocalStorage: true }),
};

/** Dropping a database normally takes well under a second. */
const cleanupTimeoutMs = 20_000;

const [kindArg = "", maxSecondsArg = "3600"] = process.argv.slice(2);
const maxSeconds = Number(maxSecondsArg);
if (!serverKinds.includes(kindArg as ServerKind) || !(maxSeconds > 0)) {
  process.stderr.write(`usage: tsx bench/serve.ts <${serverKinds.join("|")}> <maxSeconds>\n`);
  process.exit(2);
}
const kind = kindArg as ServerKind;

const cleanups: (() => Promise<void>)[] = [];
let running = false;
let stopRequested = false;
let stopping: Promise<void> | undefined;

/** stop runs the cleanups newest first (server, then pool, then database) and exits. */
function stop(code: number, reason?: string): Promise<void> {
  stopping ??= (async () => {
    if (reason) process.stderr.write(`bench server (${kind}): ${reason}\n`);
    const hard = setTimeout(() => {
      process.stderr.write(`bench server (${kind}): cleanup took over ${cleanupTimeoutMs} ms, exiting anyway\n`);
      process.exit(1);
    }, cleanupTimeoutMs);
    for (let cleanup = cleanups.pop(); cleanup; cleanup = cleanups.pop()) {
      await cleanup().catch((error: unknown) =>
        process.stderr.write(`bench server (${kind}): cleanup failed: ${String(error)}\n`),
      );
    }
    clearTimeout(hard);
    process.exit(code);
  })();
  return stopping;
}

/** requestStop stops now, or, while still starting, as soon as the start has registered its cleanups. */
function requestStop(reason?: string): void {
  stopRequested = true;
  if (running) void stop(0, reason);
}

process.on("SIGTERM", () => requestStop());
process.on("SIGINT", () => requestStop());
// The runner holds our stdin open; if it dies without signalling us, stdin ends and we stop too.
process.stdin.on("end", () => requestStop("runner went away"));
process.stdin.on("error", () => requestStop("runner went away"));
process.stdin.resume();
setTimeout(() => requestStop(`max lifetime of ${maxSeconds} s reached`), maxSeconds * 1000);
const startTimer = setTimeout(() => void stop(1, "start timed out"), startTimeoutMs(kind));

try {
  const started = await starters[kind]((cleanup) => cleanups.push(cleanup));
  clearTimeout(startTimer);
  running = true;
  if (stopRequested) await stop(0);
  const ready: ReadyLine = {
    port: started.port,
    fixtures: started.fixtures,
    ...(started.database ? { database: started.database } : {}),
  };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
} catch (error) {
  clearTimeout(startTimer);
  await stop(1, `failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
}
