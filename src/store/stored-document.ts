import type { SeqNoPosition } from '../migration/write-ordering.js';

/** Documents as the vector indexes store them, and as reads return them. */

/** One stored document of a versioned vector index. */
export interface VectorDocument {
  readonly id: string;
  readonly vector: Float32Array | number[];
  readonly sourceHash: string;
  /** Omitted when the collection runs in privacy mode (content storage off). */
  readonly content?: string;
  readonly metadata?: Record<string, unknown>;
  /** When the source last changed the text; catch-up compares it with what was copied. */
  readonly updatedAt?: string;
  /** The vector was mapped from another spec's by an adapter (the document has no text to embed). */
  readonly adapted?: boolean;
}

/** What a scan of an index returns per document: everything but the vector. */
export interface StoredDocument {
  readonly id: string;
  readonly sourceHash: string;
  readonly content?: string;
  readonly metadata?: Record<string, unknown>;
  readonly updatedAt?: string;
  /** When this copy was written. */
  readonly embeddedAt?: string;
  /** Where this copy stands in the index's history (real-time gets only). */
  readonly position?: SeqNoPosition;
  /** Elasticsearch's `_version` (real-time gets and scans): a live write's external version, or a count of internal writes. */
  readonly revision?: number;
}

export interface SearchHit {
  readonly id: string;
  readonly score: number;
  readonly content?: string;
  readonly metadata?: Record<string, unknown>;
}

export interface StoredSource {
  source_hash: string;
  content?: string;
  metadata?: Record<string, unknown>;
  updated_at?: string;
  embedded_at?: string;
}

export const sourceFields = (withContent: boolean) =>
  withContent ? ['source_hash', 'content', 'metadata', 'updated_at', 'embedded_at'] : ['source_hash', 'updated_at', 'embedded_at'];

export function toStoredDocument(id: string, src: StoredSource, position?: SeqNoPosition, revision?: number): StoredDocument {
  return {
    id,
    ...(position ? { position } : {}),
    ...(revision !== undefined ? { revision } : {}),
    sourceHash: src.source_hash,
    ...(src.content !== undefined ? { content: src.content } : {}),
    ...(src.metadata ? { metadata: src.metadata } : {}),
    ...(src.updated_at ? { updatedAt: src.updated_at } : {}),
    ...(src.embedded_at ? { embeddedAt: src.embedded_at } : {}),
  };
}
