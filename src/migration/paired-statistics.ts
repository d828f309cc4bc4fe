import { seededRandom } from './seeded-random.js';

/**
 * Paired comparison of two systems on the same queries: the mean of the per-query
 * differences, its 95% interval by paired bootstrap, and a two-sided p-value by a sign-flip
 * randomization test. Seeded, so the same differences always give the same figures (and
 * the quality gate the same verdict). Pure functions of plain numbers.
 */

/** Resamples for the bootstrap and the randomization test. */
export const RESAMPLES = 10_000;
/** Up to this many queries the sign-flip test enumerates every sign pattern (2^n) exactly. */
const EXACT_SIGN_FLIP_MAX = 12;
const SEED = 0x5eed_2026;
const Z95 = 1.959_963_984_540_054;

export interface PairedComparison {
  /** Mean of new − old over the queries. */
  readonly delta: number;
  /** 95% percentile-bootstrap interval of the mean difference. */
  readonly ci95: readonly [number, number];
  /** Two-sided: the chance of a mean difference this far from 0 if old and new were exchangeable. */
  readonly pValue: number;
  /** Sample standard deviation of the per-query differences (0 for a single query). */
  readonly sd: number;
  readonly queries: number;
}

const meanOf = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export function standardDeviation(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = meanOf(xs);
  return Math.sqrt(xs.reduce((sum, x) => sum + (x - m) ** 2, 0) / (xs.length - 1));
}

/** The q-quantile of sorted values, interpolated linearly between ranks (type 7, as R and numpy). */
export function quantile(sorted: readonly number[], q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** 95% interval of the mean by resampling queries with replacement. */
export function bootstrapInterval(diffs: readonly number[], resamples = RESAMPLES, seed = SEED): [number, number] {
  const random = seededRandom(seed);
  const n = diffs.length;
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += diffs[Math.floor(random() * n)]!;
    means[r] = sum / n;
  }
  means.sort();
  const sorted = Array.from(means);
  return [quantile(sorted, 0.025), quantile(sorted, 0.975)];
}

/**
 * Two-sided sign-flip test of "the mean difference is 0": each query's difference keeps its
 * size and takes either sign. Exact over all 2^n patterns for small n; otherwise Monte Carlo
 * with the add-one correction, so p is never 0.
 */
export function signFlipPValue(diffs: readonly number[], resamples = RESAMPLES, seed = SEED): number {
  const n = diffs.length;
  // Float sums of the same values in another order differ in the last bits: compare with slack.
  const observed = Math.abs(diffs.reduce((a, b) => a + b, 0)) - 1e-12;
  if (n <= EXACT_SIGN_FLIP_MAX) {
    let extreme = 0;
    const patterns = 2 ** n;
    for (let mask = 0; mask < patterns; mask++) {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += mask & (1 << i) ? -diffs[i]! : diffs[i]!;
      if (Math.abs(sum) >= observed) extreme++;
    }
    return extreme / patterns;
  }
  const random = seededRandom(seed ^ 0x9e37_79b9);
  let extreme = 0;
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += random() < 0.5 ? -diffs[i]! : diffs[i]!;
    if (Math.abs(sum) >= observed) extreme++;
  }
  return (extreme + 1) / (resamples + 1);
}

/** Everything the gate states about one metric, from the per-query differences new − old. */
export function comparePaired(diffs: readonly number[]): PairedComparison {
  if (diffs.length === 0) throw new RangeError('a paired comparison needs at least one query');
  return {
    delta: meanOf(diffs),
    ci95: bootstrapInterval(diffs),
    pValue: signFlipPValue(diffs),
    sd: standardDeviation(diffs),
    queries: diffs.length,
  };
}

/** Half the width of a 95% interval of a mean over `queries` differences that spread with `sd`. */
export function halfWidth95(sd: number, queries: number): number {
  return (Z95 * sd) / Math.sqrt(queries);
}

/**
 * Queries whose 95% interval would be narrow enough to put `delta` clearly on one side of
 * `threshold`, if the differences keep spreading with `sd`: (z·sd / |delta − threshold|)².
 * Null when the observed difference sits on the threshold (no number of queries decides).
 */
export function queriesToDecide(sd: number, delta: number, threshold: number): number | null {
  const distance = Math.abs(delta - threshold);
  if (distance < 1e-9) return null;
  return Math.max(2, Math.ceil(((Z95 * sd) / distance) ** 2));
}
