/**
 * report.ts turns the measurements into the printed report, in three parts printed as the run goes:
 * the machine, the load shapes and the table's head; one Markdown table row per BenchRow as soon as
 * it is measured (or failed); and footnotes (row notes, failed requests, which would make a row's
 * numbers suspect, and why a row failed).
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

/** RowFailure is a row that could not be measured, and why. */
export interface RowFailure {
  row: BenchRow;
  error: string;
}

/** reportHeader is the machine, the run's shape and the table's head, printed before any row. */
export function reportHeader(shape: RunShape): string {
  const cpu = cpus();
  return [
    `Node ${process.version} · ${cpu[0]?.model.trim() ?? "unknown CPU"} · ${cpu.length} cores (${availableParallelism()} usable)`,
    `Each side of a row: ${shape.warmupSeconds} s warm-up, then ${shape.seconds} s in ${shape.rounds} rounds alternating with the other side.`,
    `Load generator and server are separate processes on 127.0.0.1. Load average (1 min): ${shape.loadBefore.toFixed(2)} before the run` +
      // The bench itself keeps both cores busy, so only the load before it started tells of other work.
      (shape.loadBefore > 1 ? " (other processes were busy: ratios are noisy)." : "."),
    ...Object.values(loadShapes).map((description) => `- ${description}`),
    "",
    "| Row | full req/s | full p50 ms | full p99 ms | bare req/s | bare p50 ms | bare p99 ms | ratio | server CPU µs/req full / bare | CPU ratio |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ].join("\n");
}

/** reportRow is one measured row's line of the table; its footnote, if any, is added to `notes`. */
export function reportRow({ row, target, baseline }: RowResult, notes: string[]): string {
  let name = row.name;
  if (row.footnote) {
    notes.push(`${marker(notes.length + 1)} ${row.footnote}`);
    name += ` ${marker(notes.length)}`;
  }
  const ratio =
    baseline.requestsPerSecond > 0 ? (target.requestsPerSecond / baseline.requestsPerSecond).toFixed(2) : "n/a";
  const cpu = `${target.cpuMicrosPerRequest.toFixed(0)} / ${baseline.cpuMicrosPerRequest.toFixed(0)}`;
  const cpuRatio = (baseline.cpuMicrosPerRequest / target.cpuMicrosPerRequest).toFixed(2);
  return `| ${name} | ${rps(target)} | ${ms(target.p50Ms)} | ${ms(target.p99Ms)} | ${rps(baseline)} | ${ms(baseline.p50Ms)} | ${ms(baseline.p99Ms)} | ${ratio} | ${cpu} | ${cpuRatio} |`;
}

/** reportFailedRow is the table line of a row that could not be measured. */
export function reportFailedRow({ row }: RowFailure): string {
  return `| ${row.name} | failed | | | | | | | | |`;
}

/** reportFooter explains the columns and lists footnotes, failed requests and failed rows. */
export function reportFooter(results: RowResult[], failures: RowFailure[], notes: string[]): string {
  const [loadAfter = 0] = loadavg();
  const lines = [
    "",
    "ratio = full req/s ÷ bare req/s, both measured in this run. Only complete, successful responses are counted and timed.",
    "CPU ratio = bare server CPU per request ÷ full server CPU per request (from /proc): the same comparison, steadier when other processes share the machine.",
    `Load average (1 min) at the end: ${loadAfter.toFixed(2)} (this bench included).`,
  ];
  const warnings = [...notes];
  for (const { row, target, baseline } of results) {
    for (const [side, m] of [
      ["full", target],
      ["bare", baseline],
    ] as const) {
      const failed = describeFailures(m.failures);
      if (failed) warnings.push(`⚠ ${row.name} (${side}): ${m.ok} succeeded, failed: ${failed}`);
    }
  }
  for (const { row, error } of failures) warnings.push(`✗ ${row.name}: ${error}`);
  if (warnings.length > 0) lines.push("", ...warnings);
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
