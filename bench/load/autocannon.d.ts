/**
 * autocannon.d.ts declares the part of autocannon 8's programmatic API the bench uses: the package
 * ships no type declarations and @types/autocannon is not installed.
 */
declare module "autocannon" {
  import type { EventEmitter } from "node:events";

  /** The options the bench passes (autocannon accepts many more). */
  export interface Options {
    url: string;
    method?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    connections?: number;
    pipelining?: number;
    /** Seconds. */
    duration?: number;
    /** Milliseconds between samples; the run also ends on one of these ticks. */
    sampleInt?: number;
    /** Per-request timeout, in seconds. */
    timeout?: number;
  }

  /** The parts of the final result the bench reads. */
  export interface Result {
    errors: number;
    timeouts: number;
    resets: number;
    non2xx: number;
    /** Seconds, rounded to hundredths. */
    duration: number;
    statusCodeStats: Record<string, { count: number }>;
    /** `sent` is how many requests were written, answered or not. */
    requests: { sent: number };
  }

  /** The running instance: "response" fires with (client, statusCode, bytes, latencyMs). */
  export interface Instance extends EventEmitter {
    stop(): void;
  }

  /** autocannon starts a run at once; the callback gets the result when the duration is up. */
  function autocannon(options: Options, callback: (error: Error | null, result: Result) => void): Instance;
  export default autocannon;
}
