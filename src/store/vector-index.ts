import type { Client } from '@elastic/elasticsearch';
import { fingerprint, type ModelSpec } from '../embedding/model-spec.js';
import type { WriteOrder } from '../migration/write-ordering.js';
import { createIndexIfMissing } from './create-index.js';
import { sourceFields, toStoredDocument, type SearchHit, type StoredDocument, type StoredSource, type VectorDocument } from './stored-document.js';
import { orderedBulk, orderedOperation, type BulkOutcome } from './ordered-bulk.js';
import { BACKFILL_SETTINGS, TOMBSTONE_SETTINGS, vectorIndexMappings } from './vector-index-layout.js';

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
  async bulkUpsert(index: string, spec: ModelSpec, docs: readonly VectorDocument[], order?: WriteOrder): Promise<BulkOutcome> {
    if (docs.length === 0) return { superseded: [], rejections: 0 };
    const modelFingerprint = fingerprint(spec);
    const embeddedAt = new Date().toISOString();
    const actions = docs.map((d) => ({
      line: orderedOperation('index', index, d.id, order),
      document: {
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
    }));
    return orderedBulk(this.es, actions, order);
  }

  /** The documents among `ids` that the index holds, without vectors. */
  async getMany(index: string, ids: readonly string[], withContent = true): Promise<Map<string, StoredDocument>> {
    if (ids.length === 0) return new Map();
    const response = await this.es.mget<StoredSource>({ index, ids: [...ids], _source: sourceFields(withContent) });
    const found = new Map<string, StoredDocument>();
    for (const doc of response.docs) {
      if (!('found' in doc && doc.found && doc._source)) continue;
      const position = doc._seq_no !== undefined && doc._primary_term !== undefined ? { seqNo: doc._seq_no, primaryTerm: doc._primary_term } : undefined;
      found.set(doc._id, toStoredDocument(doc._id, doc._source, position, doc._version));
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
      // A page missing a lost shard's documents would read as documents that do not exist.
      allow_partial_search_results: false,
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
      allow_partial_search_results: false,
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
  async deleteDocuments(index: string, ids: readonly string[], order?: WriteOrder): Promise<BulkOutcome> {
    if (ids.length === 0) return { superseded: [], rejections: 0 };
    return orderedBulk(
      this.es,
      ids.map((id) => ({ line: orderedOperation('delete', index, id, order) })),
      order,
    );
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
