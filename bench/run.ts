/**
 * run.ts is `npm run bench`: it starts each server kind the rows need as its own child process,
 * measures every row on its target and on its baseline (warm-up first, then BENCH_SECONDS, default
 * 5, each, in alternating rounds), stops the servers (which drop their databases) and prints a Markdown table of requests/s and
 * p50/p99 latency with target ÷ baseline ratios. Figures are compared only within one run: absolute
 * numbers depend on the machine, ratios much less.
 */
import { loadavg } from "node:os";
import { compareLimiters, renderLimiterTable } from "./limiter/compare.js";
import { loads } from "./load/index.js";
import { combineResults, type LoadResult } from "./load/types.js";
import {
  describeFailures,
  type RowFailure,
  type RowResult,
  reportFailedRow,
  reportFooter,
  reportHeader,
  reportRow,
  toMeasurement,
} from "./report.js";
import { type BenchRow, rows, type Target } from "./rows.js";
import { cpuSeconds } from "./server/cpu.js";
import type { ServerKind } from "./server/protocol.js";
import { type BenchServer, startBenchServer } from "./server/spawn.js";
import { compareDeliveries, renderDeliveryTable } from "./webhooks/compare.js";

const seconds = readSeconds(process.env.BENCH_SECONDS);
/**
 * BENCH_ROWS (optional) measures only the rows whose name contains it, case-insensitively
 * ("BENCH_ROWS=report npm run bench"), and starts only their servers; the limiter comparison, which
 * is no row, runs only in a full run.
 */
const rowFilter = process.env.BENCH_ROWS?.toLowerCase() ?? "";
const selectedRows = rows.filter((row) => row.name.toLowerCase().includes(rowFilter));
/** Long enough for V8 to optimise the hot paths on both sides, short next to the measurement. */
const warmupSeconds = Math.min(1, seconds);

const controller = new AbortController();
const interrupt = () => controller.abort();
// `on`, not `once`: Ctrl-C reaches us twice (from the terminal and relayed by the tsx CLI), and the
// second must not kill us before the servers have stopped. Cleanup is bounded, so this cannot hang.
process.on("SIGINT", interrupt);
process.on("SIGTERM", interrupt);

/** readSeconds parses BENCH_SECONDS; a bounded, positive number or the default. */
function readSeconds(raw: string | undefined): number {
  if (raw === undefined || raw === "") return 5;
  const value = Number(raw);
  if (!(value > 0 && value <= 600)) {
    process.stderr.write(`BENCH_SECONDS must be a number of seconds in (0, 600], got "${raw}"\n`);
    process.exit(2);
  }
  return value;
}

function checkInterrupted(): void {
  if (controller.signal.aborted) throw new Error("interrupted");
}

/**
 * Each measurement is split into this many rounds, alternating target and baseline (AB, BA, AB):
 * when another process slows the machine for a while, it slows both sides alike, not one of them.
 */
const rounds = 3;

/** Side is one target of a row, resolved against its started server. */
interface Side {
  label: string;
  run(seconds: number): Promise<LoadResult>;
}

function resolveSide(target: Target, servers: Map<ServerKind, BenchServer>, label: string): Side {
  const server = servers.get(target.server);
  if (!server) throw new Error(`server kind "${target.server}" was not started`);
  const request = typeof target.request === "function" ? target.request(server) : target.request;
  return {
    label,
    async run(s) {
      const cpuBefore = cpuSeconds(server.pid);
      const result = await loads[target.load]({ port: server.port, request, seconds: s, signal: controller.signal });
      return { ...result, serverCpuSeconds: cpuSeconds(server.pid) - cpuBefore };
    },
  };
}

/** measureRow warms both sides up, checks each answers successfully at all, then measures them in rounds. */
async function measureRow(row: BenchRow, servers: Map<ServerKind, BenchServer>): Promise<RowResult> {
  const sides = [
    resolveSide(row.target, servers, `${row.target.server}`),
    resolveSide(row.baseline, servers, `${row.baseline.server}`),
  ] as const;
  process.stderr.write(`${row.name}: warm-up… `);
  for (const side of sides) {
    const warm = await side.run(warmupSeconds);
    checkInterrupted();
    // A row whose every request fails would measure how fast errors are made; refuse it outright.
    if (warm.ok === 0)
      throw new Error(
        `${row.name} [${side.label}]: no successful response during warm-up (${describeFailures(warm.failures)})`,
      );
  }
  process.stderr.write("measuring… ");
  const collected: [LoadResult[], LoadResult[]] = [[], []];
  for (let round = 0; round < rounds; round++) {
    for (const i of round % 2 === 0 ? [0, 1] : [1, 0]) {
      collected[i as 0 | 1].push(await sides[i as 0 | 1].run(seconds / rounds));
      checkInterrupted();
    }
  }
  const target = toMeasurement(combineResults(collected[0]));
  const baseline = toMeasurement(combineResults(collected[1]));
  process.stderr.write(`${Math.round(target.requestsPerSecond)} vs ${Math.round(baseline.requestsPerSecond)} req/s\n`);
  return { row, target, baseline };
}

/**
 * main measures every selected row in turn and prints it as soon as it is measured. Servers start
 * one at a time, when a row first needs them, and stop after the last row that does: the seeding
 * servers never compete for the cores with each other or with a measurement. A row whose server
 * does not start, or whose measurement fails, is reported and the run goes on; the exit code is 1
 * if any row failed.
 */
async function main(): Promise<number> {
  const deliveries = rowFilter === "" || "webhook delivery".includes(rowFilter);
  if (selectedRows.length === 0 && !deliveries) {
    process.stderr.write(`BENCH_ROWS="${rowFilter}" matches no row\n`);
    return 2;
  }
  const [loadBefore = 0] = loadavg();
  const results: RowResult[] = [];
  const failures: RowFailure[] = [];
  const notes: string[] = [];
  if (selectedRows.length > 0) {
    process.stdout.write(`\n${reportHeader({ seconds, warmupSeconds, rounds, loadBefore })}\n`);
    const servers = new ServerPool(selectedRows);
    try {
      for (const [index, row] of selectedRows.entries()) {
        if (controller.signal.aborted) break;
        try {
          const result = await measureRow(row, await servers.for(row));
          results.push(result);
          process.stdout.write(`${reportRow(result, notes)}\n`);
        } catch (error) {
          if (controller.signal.aborted) break;
          const failure = { row, error: error instanceof Error ? error.message : String(error) };
          failures.push(failure);
          process.stderr.write(`\n${row.name}: failed: ${failure.error}\n`);
          process.stdout.write(`${reportFailedRow(failure)}\n`);
        } finally {
          await servers.release(index);
        }
      }
    } finally {
      await servers.stopAll();
    }
    if (controller.signal.aborted) {
      process.stderr.write("\ninterrupted: the servers are stopped\n");
      return 130;
    }
    process.stdout.write(`${reportFooter(results, failures, notes)}\n`);
  }
  if (rowFilter === "") process.stdout.write(`\n${renderLimiterTable(await compareLimiters(seconds))}\n`);
  if (deliveries) process.stdout.write(`\n${renderDeliveryTable(await compareDeliveries())}\n`);
  return failures.length > 0 ? 1 : 0;
}

/** ServerPool starts the servers rows need when first needed, and stops each after its last row. */
class ServerPool {
  private readonly running = new Map<ServerKind, BenchServer>();
  /** Kinds that failed to start, with why: not tried again. */
  private readonly broken = new Map<ServerKind, string>();
  private readonly lastUse = new Map<ServerKind, number>();

  constructor(private readonly rows: readonly BenchRow[]) {
    rows.forEach((row, index) => {
      for (const kind of kindsOf(row)) this.lastUse.set(kind, index);
    });
  }

  /** for starts (one at a time) what `row` needs and returns the running servers. */
  async for(row: BenchRow): Promise<Map<ServerKind, BenchServer>> {
    for (const kind of kindsOf(row)) {
      const broken = this.broken.get(kind);
      if (broken) throw new Error(`its ${kind} server did not start: ${broken}`);
      if (this.running.has(kind)) continue;
      process.stderr.write(`starting the ${kind} server… `);
      try {
        const server = await startBenchServer(kind, maxServerSeconds(this.rows.length));
        this.running.set(kind, server);
        const database = server.database ? `, database ${server.database} (dropped when it stops)` : "";
        process.stderr.write(`port ${server.port}${database}\n`);
      } catch (error) {
        this.broken.set(kind, error instanceof Error ? error.message : String(error));
        throw error;
      }
    }
    return this.running;
  }

  /** release stops the servers no row after `index` needs. */
  async release(index: number): Promise<void> {
    for (const [kind, server] of this.running) {
      if ((this.lastUse.get(kind) ?? -1) > index) continue;
      this.running.delete(kind);
      await server.stop();
    }
  }

  async stopAll(): Promise<void> {
    const servers = [...this.running.values()];
    this.running.clear();
    await Promise.all(servers.map((server) => server.stop()));
  }
}

function kindsOf(row: BenchRow): ServerKind[] {
  return [...new Set([row.target.server, row.baseline.server])];
}

/** A server stops by itself after this, should this run be lost: every row's measurement, and slack. */
function maxServerSeconds(rowCount: number): number {
  return 600 + rowCount * 2 * (warmupSeconds + seconds + 5);
}

process.exitCode = await main();
process.off("SIGINT", interrupt);
process.off("SIGTERM", interrupt);
