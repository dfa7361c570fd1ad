/**
 * histogram.ts records latencies in logarithmic buckets (about 1% wide), like HdrHistogram: memory
 * stays fixed however many requests a run makes, and percentiles keep sub-millisecond resolution
 * (autocannon's own histogram rounds to whole milliseconds, too coarse for a trivial RPC).
 */

/** Each bucket is this much wider than the one below it: percentiles are within about 1%. */
const growth = 1.01;
const logGrowth = Math.log(growth);
/** Values are kept in microseconds; the top bucket (about 100 s) absorbs anything slower. */
const bucketCount = Math.ceil(Math.log(100e6) / logGrowth) + 1;

/** LatencyHistogram counts latencies and answers percentiles. */
export class LatencyHistogram {
  private readonly counts = new Float64Array(bucketCount);
  private total = 0;

  /** record adds one latency, in milliseconds. */
  record(ms: number): void {
    const us = Math.max(ms * 1000, 1);
    const index = Math.min(Math.ceil(Math.log(us) / logGrowth), bucketCount - 1);
    this.counts[index] = (this.counts[index] ?? 0) + 1;
    this.total++;
  }

  /** merge adds every latency recorded in `other` (a measurement made in several rounds). */
  merge(other: LatencyHistogram): void {
    for (let i = 0; i < bucketCount; i++) this.counts[i] = (this.counts[i] ?? 0) + (other.counts[i] ?? 0);
    this.total += other.total;
  }

  /** count is how many latencies were recorded. */
  get count(): number {
    return this.total;
  }

  /**
   * percentile returns the latency in milliseconds at or below which `p` percent of the recorded
   * latencies fall (the upper edge of that bucket, so it never flatters), or NaN when empty.
   */
  percentile(p: number): number {
    if (this.total === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.total));
    let seen = 0;
    for (let i = 0; i < bucketCount; i++) {
      seen += this.counts[i] ?? 0;
      if (seen >= rank) return growth ** i / 1000;
    }
    return growth ** (bucketCount - 1) / 1000;
  }
}
