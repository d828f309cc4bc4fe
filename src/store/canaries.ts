import type { Client } from '@elastic/elasticsearch';
import { z } from 'zod';
import type { CanaryResult, CanaryStatus } from '../canary/canary.js';
import { BookkeepingIndex, BOOKKEEPING_REFRESH } from './create-index.js';

export const CANARY_INDEX = 'reembed-canaries';
/** Recent results kept per collection for `reembed canary status`. */
const RECENT_RESULTS = 50;
/** Vectors and results are kept, not searched: only what selects a collection's entries is indexed. */
const MAPPINGS = {
  dynamic: false,
  properties: { collection: { type: 'keyword' }, kind: { type: 'keyword' }, capturedAt: { type: 'date' } },
} as const;

const canarySchema = z.object({
  kind: z.literal('canary'),
  collection: z.string(),
  canaryId: z.string(),
  source: z.enum(['fixed', 'document']),
  text: z.string(),
  /** The index, spec and fingerprint the vector belongs to. */
  index: z.string(),
  specId: z.string(),
  fingerprint: z.string(),
  capturedAt: z.string(),
  vector: z.array(z.number()),
});
export type Canary = z.infer<typeof canarySchema>;

const recentSchema = z.object({ checkedAt: z.string(), status: z.string(), summary: z.string() });
const resultsSchema = z.object({
  kind: z.literal('results'),
  collection: z.string(),
  latest: z.custom<CanaryResult>((v) => typeof v === 'object' && v !== null && 'status' in v),
  recent: z.array(recentSchema),
});
export interface CanaryHistory {
  readonly latest: CanaryResult;
  readonly recent: ReadonlyArray<{ checkedAt: string; status: CanaryStatus; summary: string }>;
}

/**
 * Each collection's canary set (texts with the vectors they had when captured) and its
 * recent canary results, in one of reembed's own indexes. Vectors live here and in the
 * vector indexes only; the canary workflow sees cosines.
 */
export class CanaryStore {
  private readonly index: BookkeepingIndex;

  constructor(private readonly es: Client) {
    this.index = new BookkeepingIndex(es, { index: CANARY_INDEX, mappings: MAPPINGS });
  }

  /** Replaces the collection's canary set in one bulk request (the old set goes once the new one is stored). */
  async replaceSet(collection: string, canaries: readonly Omit<Canary, 'kind' | 'collection'>[]): Promise<void> {
    await this.index.ensure();
    const previous = await this.set(collection);
    const operations = canaries.flatMap((c) => [
      { index: { _index: CANARY_INDEX, _id: `${collection}:canary:${c.canaryId}` } },
      { kind: 'canary', collection, ...c } satisfies Canary,
    ]);
    const kept = new Set(canaries.map((c) => c.canaryId));
    const stale = previous.filter((c) => !kept.has(c.canaryId)).map((c) => ({ delete: { _index: CANARY_INDEX, _id: `${collection}:canary:${c.canaryId}` } }));
    const response = await this.es.bulk({ operations: [...operations, ...stale], refresh: BOOKKEEPING_REFRESH });
    if (response.errors) {
      const first = response.items.find((item) => item.index?.error ?? item.delete?.error);
      throw new Error(`Elasticsearch refused part of the canary set of "${collection}" (${JSON.stringify(first)}); capture it again.`);
    }
  }

  async set(collection: string): Promise<Canary[]> {
    await this.index.ensure();
    const response = await this.es.search<Canary>({
      index: CANARY_INDEX,
      size: 1_000,
      query: { bool: { filter: [{ term: { collection } }, { term: { kind: 'canary' } }] } },
    });
    return response.hits.hits.map((h) => canarySchema.parse(h._source)).sort((a, b) => (a.canaryId < b.canaryId ? -1 : 1));
  }

  async recordResult(result: CanaryResult): Promise<void> {
    await this.index.ensure();
    const previous = await this.history(result.collection);
    const recent = [{ checkedAt: result.checkedAt, status: result.status, summary: result.summary }, ...(previous?.recent ?? [])].slice(0, RECENT_RESULTS);
    await this.es.index({
      index: CANARY_INDEX,
      id: `${result.collection}:results`,
      document: { kind: 'results', collection: result.collection, latest: result, recent },
      refresh: BOOKKEEPING_REFRESH,
    });
  }

  /** The latest result and the recent ones, newest first; null before the first check. */
  async history(collection: string): Promise<CanaryHistory | null> {
    await this.index.ensure();
    const response = await this.es.get({ index: CANARY_INDEX, id: `${collection}:results` }, { ignore: [404] });
    if (!response.found) return null;
    const parsed = resultsSchema.parse(response._source);
    return { latest: parsed.latest, recent: parsed.recent as CanaryHistory['recent'] };
  }

  /** Removes the collection's canary set and results. */
  async clear(collection: string): Promise<void> {
    await this.index.ensure();
    // This distribution has no delete-by-query (no reindex module): a collection's entries are few, so ids then a bulk delete.
    const response = await this.es.search({ index: CANARY_INDEX, size: 10_000, query: { term: { collection } }, _source: false });
    const ids = response.hits.hits.map((h) => String(h._id));
    if (ids.length > 0) await this.es.bulk({ operations: ids.map((id) => ({ delete: { _index: CANARY_INDEX, _id: id } })), refresh: BOOKKEEPING_REFRESH });
  }
}
