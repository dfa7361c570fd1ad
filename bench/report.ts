/**
 * report.ts turns the measurements into the printed report: the machine, the load shapes, one
 * Markdown table row per BenchRow, and footnotes (row notes, and any failed requests, which would
 * make a row's numbers suspect).
 */
import { availableParallelism, cpus, loadavg } from "node:os";
import { loadShapes } from "./load/index.js";
import type { LoadResult } from "./load/types.js";
import type { BenchRow } from "./rows.js";

/** Measurement is one load run, reduced to what the table prints. */
export interface Measurement {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Server CPU per completed request, µs (all requests, failed ones included, cost CPU too). */
  cpuMicrosPerRequest: number;
  ok: number;
  failures: Record<string, number>;
}

/** RowResult is a row with both of its measurements. */
export interface RowResult {
  row: BenchRow;
  target: Measurement;
  baseline: Measurement;
}

/** toMeasurement reduces a LoadResult. */
export function toMeasurement(result: LoadResult): Measurement {
  return {
    requestsPerSecond: result.ok / (result.elapsedMs / 1000),
    p50Ms: result.latency.percentile(50),
    p99Ms: result.latency.percentile(99),
    cpuMicrosPerRequest: ((result.serverCpuSeconds ?? Number.NaN) * 1e6) / Math.max(1, result.ok),
    ok: result.ok,
    failures: result.failures,
  };
}

/** describeFailures is "HTTP 404 ×3, timeout ×1", or "" when there were none. */
export function describeFailures(failures: Record<string, number>): string {
  return Object.entries(failures)
    .map(([reason, n]) => `${reason} ×${n}`)
    .join(", ");
}

/** RunShape is how the measurements were made, for the report header. */
export interface RunShape {
  seconds: number;
  warmupSeconds: number;
  rounds: number;
  /** One-minute load average when the run started. */
  loadBefore: number;
}

/** renderReport is the whole printed report. */
export function renderReport(results: RowResult[], shape: RunShape): string {
  const cpu = cpus();
  const [loadAfter = 0] = loadavg();
  const lines = [
    `Node ${process.version} · ${cpu[0]?.model.trim() ?? "unknown CPU"} · ${cpu.length} cores (${availableParallelism()} usable)`,
    `Each side of a row: ${shape.warmupSeconds} s warm-up, then ${shape.seconds} s in ${shape.rounds} rounds alternating with the other side.`,
    `Load generator and server are separate processes on 127.0.0.1. Load average (1 min): ${shape.loadBefore.toFixed(2)} before the run` +
      // The bench itself keeps both cores busy, so only the load before it started tells of other work.
      (shape.loadBefore > 1 ? " (other processes were busy: ratios are noisy), " : ", ") +
      `${loadAfter.toFixed(2)} at the end (this bench included).`,
    ...Object.values(loadShapes).map((description) => `- ${description}`),
    "",
    "| Row | full req/s | full p50 ms | full p99 ms | bare req/s | bare p50 ms | bare p99 ms | ratio | server CPU µs/req full / bare | CPU ratio |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  const notes: string[] = [];
  for (const { row, target, baseline } of results) {
    let name = row.name;
    if (row.footnote) {
      notes.push(`${marker(notes.length + 1)} ${row.footnote}`);
      name += ` ${marker(notes.length)}`;
    }
    const ratio =
      baseline.requestsPerSecond > 0 ? (target.requestsPerSecond / baseline.requestsPerSecond).toFixed(2) : "n/a";
    const cpu = `${target.cpuMicrosPerRequest.toFixed(0)} / ${baseline.cpuMicrosPerRequest.toFixed(0)}`;
    const cpuRatio = (baseline.cpuMicrosPerRequest / target.cpuMicrosPerRequest).toFixed(2);
    lines.push(
      `| ${name} | ${rps(target)} | ${ms(target.p50Ms)} | ${ms(target.p99Ms)} | ${rps(baseline)} | ${ms(baseline.p50Ms)} | ${ms(baseline.p99Ms)} | ${ratio} | ${cpu} | ${cpuRatio} |`,
    );
  }
  lines.push(
    "",
    "ratio = full req/s ÷ bare req/s, both measured in this run. Only complete, successful responses are counted and timed.",
    "CPU ratio = bare server CPU per request ÷ full server CPU per request (from /proc): the same comparison, steadier when other processes share the machine.",
  );
  for (const { row, target, baseline } of results) {
    for (const [side, m] of [
      ["full", target],
      ["bare", baseline],
    ] as const) {
      const failed = describeFailures(m.failures);
      if (failed) notes.push(`⚠ ${row.name} (${side}): ${m.ok} succeeded, failed: ${failed}`);
    }
  }
  if (notes.length > 0) lines.push("", ...notes);
  return lines.join("\n");
}

function rps(m: Measurement): string {
  return Math.round(m.requestsPerSecond).toString();
}

function ms(value: number): string {
  return Number.isNaN(value) ? "n/a" : value.toFixed(2);
}

function marker(n: number): string {
  return n <= 9 ? "¹²³⁴⁵⁶⁷⁸⁹"[n - 1]! : `[${n}]`;
}
