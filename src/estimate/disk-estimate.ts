import type { IndexOptions } from '../embedding/model-spec.js';

/** Lucene's HNSW default when a spec does not set `m`. */
const DEFAULT_M = 16;

export interface DiskEstimate {
  /** float32 vectors: Elasticsearch keeps them even when it also stores a quantised copy. */
  readonly rawVectorBytes: number;
  readonly quantizedVectorBytes: number;
  readonly graphBytes: number;
  /** Text, metadata, ids and hashes, measured per document on the source index. */
  readonly otherBytes: number;
  readonly totalBytes: number;
}

/**
 * Bytes per vector of the quantised copy Elasticsearch adds for each index type (its kNN
 * sizing guidance): int8 → dims + 4, int4 → dims/2 + 4, bbq → dims/8 + 14; none otherwise.
 */
function quantizedBytesPerVector(type: IndexOptions['type'], dims: number): number {
  if (type.startsWith('int8')) return dims + 4;
  if (type.startsWith('int4')) return Math.ceil(dims / 2) + 4;
  if (type.startsWith('bbq')) return Math.ceil(dims / 8) + 14;
  return 0;
}

/** Size on disk of `documents` vectors of `dims` in an index with `options`, plus the per-document rest. */
export function estimateIndexBytes(documents: number, dims: number, options: IndexOptions, otherBytesPerDocument: number): DiskEstimate {
  const rawVectorBytes = documents * dims * 4;
  const quantizedVectorBytes = documents * quantizedBytesPerVector(options.type, dims);
  // Each HNSW node links to up to m neighbours (2m on the bottom layer, fewer above): ~4·m bytes.
  const graphBytes = options.type.endsWith('hnsw') ? documents * 4 * (options.m ?? DEFAULT_M) : 0;
  const otherBytes = Math.round(documents * otherBytesPerDocument);
  return { rawVectorBytes, quantizedVectorBytes, graphBytes, otherBytes, totalBytes: rawVectorBytes + quantizedVectorBytes + graphBytes + otherBytes };
}

/**
 * Elasticsearch stops placing shards on a node past its high disk watermark (90 % used by
 * default), so an index only fits in the free space above that line.
 */
export const HIGH_WATERMARK = 0.9;

/** "2.81 MB", "49.12 GB": sizes as estimates and refusals print them. */
export function formatBytes(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(2)} MB`;
}

export function usableBytes(fs: { availableBytes: number; totalBytes: number }): number {
  return Math.max(0, fs.availableBytes - (1 - HIGH_WATERMARK) * fs.totalBytes);
}
