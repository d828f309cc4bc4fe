import { fingerprint, type ModelSpec } from '../embedding/model-spec.js';

/** How reembed lays out a versioned vector index: its name, mappings and settings per phase. */

/**
 * Deleted documents' versions are kept this long (Elasticsearch's default is 60 s), so a live
 * write that reaches one index late — a writer slowed between its two indexes during a
 * migration — still finds the tombstone of a newer delete and loses to it.
 */
export const TOMBSTONE_SETTINGS = { gc_deletes: '10m' } as const;

/** Physical index of one (collection, model spec): `products__minilm-l6-v2__8f496050`. */
export function versionedIndexName(collection: string, spec: ModelSpec): string {
  return `${collection}__${spec.id}__${fingerprint(spec).slice(0, 8)}`;
}

export function vectorIndexMappings(spec: ModelSpec) {
  return {
    dynamic: 'strict' as const,
    properties: {
      vector: {
        type: 'dense_vector' as const,
        dims: spec.dimensions,
        index: true,
        similarity: spec.similarity,
        index_options: spec.indexOptions,
      },
      // Scans page by doc_id with search_after: a total order that survives restarts,
      // unlike a point-in-time that expires while a worker is down.
      doc_id: { type: 'keyword' as const },
      model_fingerprint: { type: 'keyword' as const },
      source_hash: { type: 'keyword' as const },
      content: { type: 'text' as const },
      metadata: { type: 'object' as const, dynamic: true },
      updated_at: { type: 'date' as const },
      embedded_at: { type: 'date' as const },
      adapted: { type: 'boolean' as const },
    },
  };
}

/** Settings while bulk-loading: no refreshes, no replicas; restored before serving. */
export const BACKFILL_SETTINGS = { refresh_interval: '-1', number_of_replicas: 0 } as const;
export const SERVING_SETTINGS = { refresh_interval: '1s' } as const;
