import type { PartitionProgress } from './reports.js';

/**
 * Elasticsearch orders keyword values by their UTF-8 bytes, which is code-point order; so
 * must the boundaries (JavaScript's `<` compares UTF-16 units, which differs above U+FFFF).
 */
export function byteOrder(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/**
 * Up to `count − 1` boundaries that cut a random sample of doc_ids, sorted in byte order,
 * into `count` parts of about equal size; repeated values give fewer partitions, never an
 * empty range.
 */
export function partitionBoundaries(sortedSample: readonly string[], count: number): string[] {
  const bounds: string[] = [];
  for (let k = 1; k < count; k++) {
    const id = sortedSample[Math.floor((k * sortedSample.length) / count)];
    if (id !== undefined && (bounds.length === 0 || byteOrder(id, bounds[bounds.length - 1]!) > 0)) bounds.push(id);
  }
  return bounds;
}

/** The ranges `(lower, upper]` between the boundaries, the first and last open. */
export function partitionRanges(bounds: readonly string[]): { lower: string | null; upper: string | null }[] {
  const edges = [null, ...bounds, null];
  return edges.slice(1).map((upper, i) => ({ lower: edges[i]!, upper }));
}

/** The partitions between the boundaries with their document counts, nothing copied yet. */
export function plannedPartitions(bounds: readonly string[], documents: readonly number[]): PartitionProgress[] {
  return partitionRanges(bounds).map(({ lower, upper }, i) => ({
    lower,
    upper,
    documents: documents[i]!,
    cursor: lower,
    migrated: 0,
    quarantined: 0,
    done: documents[i] === 0,
    workers: [],
  }));
}
