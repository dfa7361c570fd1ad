/**
 * run.ts is `npm run bench`: it starts each server kind the rows need as its own child process,
 * measures every row on its target and on its baseline (warm-up first, then BENCH_SECONDS, default
 * 5), stops the servers (which drop their databases) and prints a Markdown table of requests/s and
 * p50/p99 latency with target ÷ baseline ratios. Figures are compared only within one run: absolute
 * numbers depend on the machine, ratios much less.
 */
import { loads } from "./load/index.js";
import { describeFailures, renderReport, toMeasurement, type Measurement, type RowResult } from "./report.js";
import { rows, type Target } from "./rows.js";
import type { ServerKind } from "./server/protocol.js";
import { startBenchServer, type BenchServer } from "./server/spawn.js";

const seconds = readSeconds(process.env.BENCH_SECONDS);
/** Long enough for V8 to optimise the hot paths on both sides, short next to the measurement. */
const warmupSeconds = Math.min(1, seconds);

const controller = new AbortController();
const interrupt = () => controller.abort();
process.once("SIGINT", interrupt);
process.once("SIGTERM", interrupt);

/** readSeconds parses BENCH_SECONDS; a bounded, positive number or the default. */
function readSeconds(raw: string | undefined): number {
  if (raw === undefined || raw === "") return 5;
  const value = Number(raw);
  if (!(value > 0 && value <= 600)) throw new Error(`BENCH_SECONDS must be a number of seconds in (0, 600], got "${raw}"`);
  return value;
}

function checkInterrupted(): void {
  if (controller.signal.aborted) throw new Error("interrupted");
}

/** measure warms one target up, checks it answers successfully at all, then measures it. */
async function measure(target: Target, servers: Map<ServerKind, BenchServer>, label: string): Promise<Measurement> {
  const server = servers.get(target.server);
  if (!server) throw new Error(`server kind "${target.server}" was not started`);
  const request = typeof target.request === "function" ? target.request(server) : target.request;
  const run = (s: number) => loads[target.load]({ port: server.port, request, seconds: s, signal: controller.signal });
  process.stderr.write(`${label}: warm-up ${warmupSeconds} s… `);
  const warm = await run(warmupSeconds);
  checkInterrupted();
  // A row whose every request fails would measure how fast errors are made; refuse it outright.
  if (warm.ok === 0) throw new Error(`${label}: no successful response during warm-up (${describeFailures(warm.failures)})`);
  process.stderr.write(`measuring ${seconds} s… `);
  const result = toMeasurement(await run(seconds));
  checkInterrupted();
  process.stderr.write(`${Math.round(result.requestsPerSecond)} req/s\n`);
  return result;
}

async function main(): Promise<number> {
  const kinds = [...new Set(rows.flatMap((row) => [row.target.server, row.baseline.server]))];
  // Every measurement plus generous slack: the servers stop by themselves if this run is lost.
  const maxServerSeconds = 300 + rows.length * 2 * (warmupSeconds + seconds + 5);
  const servers = new Map<ServerKind, BenchServer>();
  const results: RowResult[] = [];
  try {
    const started = await Promise.allSettled(kinds.map((kind) => startBenchServer(kind, maxServerSeconds)));
    for (const outcome of started) if (outcome.status === "fulfilled") servers.set(outcome.value.kind, outcome.value);
    for (const outcome of started) if (outcome.status === "rejected") throw outcome.reason;
    checkInterrupted();
    for (const row of rows) {
      const target = await measure(row.target, servers, `${row.name} [${row.target.server}]`);
      const baseline = await measure(row.baseline, servers, `${row.name} [${row.baseline.server}]`);
      results.push({ row, target, baseline });
    }
  } catch (error) {
    if (controller.signal.aborted) {
      process.stderr.write("\ninterrupted: stopping the servers\n");
      return 130;
    }
    process.stderr.write(`\nbench failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await Promise.all([...servers.values()].map((server) => server.stop()));
  }
  process.stdout.write(`\n${renderReport(results, seconds, warmupSeconds)}\n`);
  return 0;
}

process.exitCode = await main();
process.off("SIGINT", interrupt);
process.off("SIGTERM", interrupt);
