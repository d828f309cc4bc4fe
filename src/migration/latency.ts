/** p50 and p95 of a set of latencies, in milliseconds. */
export interface LatencySummary {
  readonly p50Ms: number;
  readonly p95Ms: number;
}

/** The nearest-rank percentile p (0–100) of ascending values. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** p50/p95 of a latency summary, as tables print it. */
export const latencyText = (l: LatencySummary) => `${l.p50Ms.toFixed(1)}/${l.p95Ms.toFixed(1)} ms`;

export function latencySummary(ms: readonly number[]): LatencySummary {
  const sorted = [...ms].sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 10) / 10;
  return { p50Ms: round(percentile(sorted, 50)), p95Ms: round(percentile(sorted, 95)) };
}
