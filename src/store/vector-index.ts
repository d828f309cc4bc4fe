import type { Client } from '@elastic/elasticsearch';
import { fingerprint, type ModelSpec } from '../embedding/model-spec.js';
import { IndexBlockedError } from '../errors.js';
import { supersededByConflict, writeCondition, type DocumentVersion, type WriteOrder } from '../migration/write-ordering.js';
import { createIndexIfMissing } from './create-index.js';

export type { DocumentVersion, WriteGuard, WriteOrder } from '../migration/write-ordering.js';

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
  readonly version?: DocumentVersion;
  /** Elasticsearch's `_version` (real-time gets and scans): a live write's external version, or a count of internal writes. */
  readonly revision?: number;
}

export interface SearchHit {
  readonly id: string;
  readonly score: number;
  readonly content?: string;
  readonly metadata?: Record<string, unknown>;
}

interface StoredSource {
  source_hash: string;
  content?: string;
  metadata?: Record<string, unknown>;
  updated_at?: string;
  embedded_at?: string;
}

const sourceFields = (withContent: boolean) =>
  withContent ? ['source_hash', 'content', 'metadata', 'updated_at', 'embedded_at'] : ['source_hash', 'updated_at', 'embedded_at'];

function toStoredDocument(id: string, src: StoredSource, version?: DocumentVersion, revision?: number): StoredDocument {
  return {
    id,
    ...(version ? { version } : {}),
    ...(revision !== undefined ? { revision } : {}),
    sourceHash: src.source_hash,
    ...(src.content !== undefined ? { content: src.content } : {}),
    ...(src.metadata ? { metadata: src.metadata } : {}),
    ...(src.updated_at ? { updatedAt: src.updated_at } : {}),
    ...(src.embedded_at ? { embeddedAt: src.embedded_at } : {}),
  };
}

/**
 * Deleted documents' versions are kept this long (Elasticsearch's default is 60 s), so a live
 * write that reaches one index late — a writer slowed between its two indexes during a
 * migration — still finds the tombstone of a newer delete and loses to it.
 */
const TOMBSTONE_SETTINGS = { gc_deletes: '10m' } as const;

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

export class BulkWriteError extends Error {
  override readonly name = 'BulkWriteError';
  constructor(readonly failures: ReadonlyArray<{ id: string; reason: string }>) {
    super(`${failures.length} document(s) failed to index; first: ${failures[0]?.id}: ${failures[0]?.reason}`);
  }
}

/** The bulk action line of one write, its ordering (see write-ordering.ts) in Elasticsearch's options. */
function orderedOperation(action: 'index' | 'delete', index: string, id: string, order?: WriteOrder): object {
  const target = { _index: index, _id: id };
  const condition = writeCondition(action, id, order);
  switch (condition.kind) {
    case 'external':
      return { [action]: { ...target, version: condition.version, version_type: 'external' } };
    case 'ifVersion':
      return { [action]: { ...target, if_seq_no: condition.seqNo, if_primary_term: condition.primaryTerm } };
    case 'ifAbsent':
      return { create: target };
    case 'unconditional':
      return { [action]: target };
  }
}

/** Reads and writes the versioned vector indexes of one Elasticsearch cluster. */
export class VectorIndexStore {
  constructor(private readonly es: Client) {}

  /** Creates the index for a spec if it does not exist; returns whether it created it. */
  async ensureIndex(name: string, spec: ModelSpec, settings: Record<string, unknown> = BACKFILL_SETTINGS): Promise<boolean> {
    return createIndexIfMissing(this.es, {
      index: name,
      settings: { number_of_shards: 1, ...TOMBSTONE_SETTINGS, ...settings },
      mappings: vectorIndexMappings(spec),
    });
  }

  /** Keeps deletes' tombstones long enough for live writes to converge (on indexes made before that setting). */
  async keepTombstones(index: string): Promise<void> {
    await this.updateSettings(index, TOMBSTONE_SETTINGS);
  }

  /**
   * Writes documents in one bulk request, ordered by `order` (see WriteOrder); the documents
   * that lost to a newer write are returned, not failed.
   */
  async bulkUpsert(index: string, spec: ModelSpec, docs: readonly VectorDocument[], order?: WriteOrder): Promise<{ superseded: string[] }> {
    if (docs.length === 0) return { superseded: [] };
    const modelFingerprint = fingerprint(spec);
    const embeddedAt = new Date().toISOString();
    const operations = docs.flatMap((d) => [
      orderedOperation('index', index, d.id, order),
      {
        doc_id: d.id,
        vector: Array.from(d.vector),
        model_fingerprint: modelFingerprint,
        source_hash: d.sourceHash,
        ...(d.content !== undefined ? { content: d.content } : {}),
        ...(d.metadata ? { metadata: d.metadata } : {}),
        updated_at: d.updatedAt ?? embeddedAt,
        embedded_at: embeddedAt,
        ...(d.adapted ? { adapted: true } : {}),
      },
    ]);
    return this.bulk(operations, order);
  }

  /** The documents among `ids` that the index holds, without vectors. */
  async getMany(index: string, ids: readonly string[], withContent = true): Promise<Map<string, StoredDocument>> {
    if (ids.length === 0) return new Map();
    const response = await this.es.mget<StoredSource>({ index, ids: [...ids], _source: sourceFields(withContent) });
    const found = new Map<string, StoredDocument>();
    for (const doc of response.docs) {
      if (!('found' in doc && doc.found && doc._source)) continue;
      const version = doc._seq_no !== undefined && doc._primary_term !== undefined ? { seqNo: doc._seq_no, primaryTerm: doc._primary_term } : undefined;
      found.set(doc._id, toStoredDocument(doc._id, doc._source, version, doc._version));
    }
    return found;
  }

  /**
   * The next `size` documents after `afterId` in doc_id order (up to `upTo`, inclusive, when
   * given), without vectors, each with the `revision` (`_version`) its text was read at.
   */
  async scan(index: string, afterId: string | null, size: number, withContent = true, upTo: string | null = null): Promise<StoredDocument[]> {
    const response = await this.es.search<StoredSource>({
      index,
      size,
      ...(upTo !== null ? { query: { range: { doc_id: { lte: upTo } } } } : {}),
      sort: [{ doc_id: 'asc' }],
      ...(afterId !== null ? { search_after: [afterId] } : {}),
      _source: sourceFields(withContent),
      version: true,
      track_total_hits: false,
    });
    return response.hits.hits.map((hit) => toStoredDocument(String(hit._id), hit._source!, undefined, hit._version));
  }

  /** The next `size` (id, vector) pairs after `afterId` in doc_id order. */
  async scanVectors(index: string, afterId: string | null, size: number): Promise<{ id: string; vector: number[] }[]> {
    const response = await this.es.search<{ vector: number[] }>({
      index,
      size,
      sort: [{ doc_id: 'asc' }],
      ...(afterId !== null ? { search_after: [afterId] } : {}),
      // Elasticsearch 9.1+ leaves vectors out of _source unless asked for them.
      _source: { includes: ['vector'], exclude_vectors: false } as never,
      track_total_hits: false,
    });
    return response.hits.hits.map((hit) => ({ id: String(hit._id), vector: hit._source!.vector }));
  }

  /** The stored vectors of the documents among `ids` that the index holds. */
  async vectorsOf(index: string, ids: readonly string[]): Promise<Map<string, number[]>> {
    if (ids.length === 0) return new Map();
    const response = await this.es.search<{ vector: number[] }>({
      index,
      size: ids.length,
      query: { ids: { values: [...ids] } },
      _source: { includes: ['vector'], exclude_vectors: false } as never,
      track_total_hits: false,
    });
    return new Map(response.hits.hits.map((hit) => [String(hit._id), hit._source!.vector]));
  }

  /** Adds the `adapted` flag to an index created before it existed (mappings are strict). */
  async allowAdapted(index: string): Promise<void> {
    await this.es.indices.putMapping({ index, properties: { adapted: { type: 'boolean' } } });
  }

  /** The dimensions the index maps its `vector` field to; null when it has no such dense_vector field. */
  async vectorDims(index: string): Promise<number | null> {
    const mapping = await this.es.indices.getMapping({ index });
    const vector = Object.values(mapping)[0]?.mappings.properties?.vector as { type?: string; dims?: number } | undefined;
    return vector?.type === 'dense_vector' ? (vector.dims ?? null) : null;
  }

  /**
   * Up to `size` (at most 10,000) documents drawn at random, the same ones for the same seed
   * while the index is unchanged; without vectors.
   */
  async sample(index: string, size: number, seed: number): Promise<StoredDocument[]> {
    const response = await this.es.search<StoredSource>({
      index,
      size,
      // Adapted vectors came from a map, not the model: never a sample of what the model embeds.
      query: {
        function_score: {
          query: { bool: { must_not: [{ term: { adapted: true } }] } },
          functions: [{ random_score: { seed, field: '_seq_no' } }],
          boost_mode: 'replace',
        },
      },
      _source: sourceFields(true),
      track_total_hits: false,
    });
    return response.hits.hits.map((hit) => toStoredDocument(String(hit._id), hit._source!));
  }

  /** Deletes documents, ordered by `order` like bulkUpsert; with a version, each leaves a tombstone of it. */
  async deleteDocuments(index: string, ids: readonly string[], order?: WriteOrder): Promise<{ superseded: string[] }> {
    if (ids.length === 0) return { superseded: [] };
    return this.bulk(
      ids.map((id) => orderedOperation('delete', index, id, order)),
      order,
    );
  }

  private async bulk(operations: object[], order?: WriteOrder): Promise<{ superseded: string[] }> {
    const response = await this.es.bulk({ operations });
    const superseded: string[] = [];
    const failures: { id: string; reason: string }[] = [];
    for (const item of response.items) {
      const result = item.index ?? item.create ?? item.delete;
      if (!result) continue;
      const id = String(result._id);
      if (result.status === 409 && supersededByConflict(id, order)) superseded.push(id);
      else if (result.error?.type === 'cluster_block_exception') throw new IndexBlockedError(result._index, result.error.reason ?? 'blocked');
      else if (result.error) failures.push({ id, reason: `${result.error.type}: ${result.error.reason}` });
    }
    if (failures.length > 0) throw new BulkWriteError(failures);
    return { superseded };
  }

  /** Distinct model fingerprints stored in an index, with their document counts. */
  async fingerprints(index: string): Promise<Map<string, number>> {
    const response = await this.es.search({
      index,
      size: 0,
      aggs: { prints: { terms: { field: 'model_fingerprint', size: 10 } } },
    });
    const buckets = (response.aggregations?.prints as { buckets: { key: string; doc_count: number }[] }).buckets;
    return new Map(buckets.map((b) => [b.key, b.doc_count]));
  }

  async numberOfReplicas(index: string): Promise<number> {
    const settings = await this.es.indices.getSettings({ index, name: 'index.number_of_replicas', flat_settings: true });
    return Number(settings[index]?.settings?.['index.number_of_replicas'] ?? 0);
  }

  async exists(index: string): Promise<boolean> {
    return this.es.indices.exists({ index });
  }

  async updateSettings(index: string, settings: Record<string, unknown>): Promise<void> {
    await this.es.indices.putSettings({ index, settings });
  }

  async refresh(index: string): Promise<void> {
    await this.es.indices.refresh({ index });
  }

  async count(index: string): Promise<number> {
    return (await this.es.count({ index })).count;
  }

  /** Documents whose doc_id is in `(lower, upper]` (null: open). */
  async countBetween(index: string, lower: string | null, upper: string | null): Promise<number> {
    const range = { ...(lower !== null ? { gt: lower } : {}), ...(upper !== null ? { lte: upper } : {}) };
    return (await this.es.count({ index, query: { range: { doc_id: range } } })).count;
  }

  /** The `k` nearest documents; `numCandidates` (default 10 × k, at least 50) trades latency for recall. */
  async knnSearch(index: string, vector: Float32Array | number[], k: number, numCandidates = Math.max(50, k * 10)): Promise<SearchHit[]> {
    const response = await this.es.search<{ content?: string; metadata?: Record<string, unknown> }>({
      index,
      knn: { field: 'vector', query_vector: Array.from(vector), k, num_candidates: numCandidates },
      _source: ['content', 'metadata'],
      size: k,
    });
    return response.hits.hits.map((hit) => ({
      id: String(hit._id),
      score: hit._score ?? 0,
      ...(hit._source?.content !== undefined ? { content: hit._source.content } : {}),
      ...(hit._source?.metadata ? { metadata: hit._source.metadata } : {}),
    }));
  }

  async deleteIndex(index: string): Promise<void> {
    await this.es.indices.delete({ index, ignore_unavailable: true });
  }
}
