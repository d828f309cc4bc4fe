import type { ModelSpec } from './model-spec.js';

export type EmbeddingPurpose = 'document' | 'query';

export interface Embeddings {
  readonly vectors: Float32Array[];
  /** Tokens the model actually read, after truncation; drives cost accounting. */
  readonly tokens: number;
  /** Inputs longer than the spec's token limit, cut as the spec says before they were sent. */
  readonly truncated: number;
}

/** Turns texts into vectors of one model spec. One instance per spec. */
export interface EmbeddingProvider {
  readonly spec: ModelSpec;
  embed(texts: readonly string[], purpose: EmbeddingPurpose): Promise<Embeddings>;
  /** Tokens each text is as the model reads it (prefix and special tokens included, before truncation). */
  countTokens(texts: readonly string[], purpose: EmbeddingPurpose): number[];
}

export function prefixFor(spec: ModelSpec, purpose: EmbeddingPurpose): string {
  return purpose === 'query' ? spec.queryPrefix : spec.documentPrefix;
}

export class InvalidEmbeddingError extends Error {
  override readonly name = 'InvalidEmbeddingError';
}

/**
 * Guards the single-space rule at the source: a vector of the wrong length, with a
 * non-finite value, or (for a normalising spec) not of unit length never reaches an index.
 */
export function checkVector(spec: ModelSpec, vector: Float32Array, label: string): void {
  if (vector.length !== spec.dimensions) {
    throw new InvalidEmbeddingError(`${label}: ${spec.id} returned ${vector.length} dimensions, its spec says ${spec.dimensions}`);
  }
  let sumSquares = 0;
  for (const x of vector) {
    if (!Number.isFinite(x)) throw new InvalidEmbeddingError(`${label}: ${spec.id} returned a non-finite value`);
    sumSquares += x * x;
  }
  const norm = Math.sqrt(sumSquares);
  if (norm === 0) throw new InvalidEmbeddingError(`${label}: ${spec.id} returned a zero vector`);
  if (spec.normalize && Math.abs(norm - 1) > 1e-3) {
    throw new InvalidEmbeddingError(`${label}: ${spec.id} should return unit vectors, got norm ${norm.toFixed(4)}`);
  }
}
