import type { Client } from '@elastic/elasticsearch';
import { fingerprint, type ModelSpec } from '../embedding/model-spec';

/** One stored document of a versioned vector index. */
export interface VectorDocument {
  readonly id: string;
  readonly vector: Float32Array | number[];
  readonly sourceHash: string;
  /** Omitted when the collection runs in privacy mode (content storage off). */
  readonly content?: string;
  readonly metadata?: Record<string, unknown>;
}

export interface SearchHit {
  readonly id: string;
  readonly score: number;
  readonly content?: string;
  readonly metadata?: Record<string, unknown>;
}

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
      model_fingerprint: { type: 'keyword' as const },
      source_hash: { type: 'keyword' as const },
      content: { type: 'text' as const },
      metadata: { type: 'object' as const, dynamic: true },
      embedded_at: { type: 'date' as const },
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

/** Reads and writes the versioned vector indexes of one Elasticsearch cluster. */
export class VectorIndexStore {
  constructor(private readonly es: Client) {}

  /** Creates the index for a spec if it does not exist; returns whether it created it. */
  async ensureIndex(name: string, spec: ModelSpec, settings: Record<string, unknown> = BACKFILL_SETTINGS): Promise<boolean> {
    if (await this.es.indices.exists({ index: name })) return false;
    try {
      await this.es.indices.create({
        index: name,
        settings: { number_of_shards: 1, ...settings },
        mappings: vectorIndexMappings(spec),
      });
      return true;
    } catch (error) {
      // Two activity attempts may race to create the same index: the loser's work is done.
      if ((error as { meta?: { body?: { error?: { type?: string } } } }).meta?.body?.error?.type === 'resource_already_exists_exception') {
        return false;
      }
      throw error;
    }
  }

  async bulkUpsert(index: string, spec: ModelSpec, docs: readonly VectorDocument[]): Promise<void> {
    if (docs.length === 0) return;
    const modelFingerprint = fingerprint(spec);
    const embeddedAt = new Date().toISOString();
    const operations = docs.flatMap((d) => [
      { index: { _index: index, _id: d.id } },
      {
        vector: Array.from(d.vector),
        model_fingerprint: modelFingerprint,
        source_hash: d.sourceHash,
        ...(d.content !== undefined ? { content: d.content } : {}),
        ...(d.metadata ? { metadata: d.metadata } : {}),
        embedded_at: embeddedAt,
      },
    ]);
    const response = await this.es.bulk({ operations });
    if (!response.errors) return;
    const failures = response.items.flatMap((item) => {
      const result = item.index;
      return result?.error ? [{ id: String(result._id), reason: `${result.error.type}: ${result.error.reason}` }] : [];
    });
    throw new BulkWriteError(failures);
  }

  /** The stored source hash of each of `ids` that the index holds. */
  async sourceHashes(index: string, ids: readonly string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const response = await this.es.mget<{ source_hash: string }>({ index, ids: [...ids], _source: ['source_hash'] });
    const found = new Map<string, string>();
    for (const doc of response.docs) {
      if ('found' in doc && doc.found && doc._source) found.set(doc._id, doc._source.source_hash);
    }
    return found;
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

  async knnSearch(index: string, vector: Float32Array | number[], k: number): Promise<SearchHit[]> {
    const response = await this.es.search<{ content?: string; metadata?: Record<string, unknown> }>({
      index,
      knn: { field: 'vector', query_vector: Array.from(vector), k, num_candidates: Math.max(50, k * 10) },
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
