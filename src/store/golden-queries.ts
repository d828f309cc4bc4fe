import { createHash } from 'node:crypto';
import type { Client } from '@elastic/elasticsearch';
import { z } from 'zod';
import type { GoldenQuery } from '../quality/golden-file.js';
import { BookkeepingIndex, BOOKKEEPING_REFRESH } from './create-index.js';

export const GOLDEN_INDEX = 'reembed-golden';
const PAGE = 1_000;
/** Labels are kept, not searched: only what lists and sorts a collection's queries is indexed. */
const MAPPINGS = {
  dynamic: false,
  properties: { key: { type: 'keyword' }, collection: { type: 'keyword' }, source: { type: 'keyword' }, addedAt: { type: 'date' } },
} as const;

const storedSchema = z.object({
  key: z.string(),
  collection: z.string(),
  query: z.string(),
  relevant: z.record(z.string(), z.number()).nullable(),
  source: z.enum(['file', 'traffic']),
  addedAt: z.string(),
});
export type StoredGoldenQuery = z.infer<typeof storedSchema>;

/**
 * Each collection's golden queries, in one of reembed's own indexes. A query is stored once
 * per collection (its id derives from its text): importing it again replaces its labels.
 */
export class GoldenQueryStore {
  private readonly index: BookkeepingIndex;

  constructor(private readonly es: Client) {
    this.index = new BookkeepingIndex(es, { index: GOLDEN_INDEX, mappings: MAPPINGS });
  }

  /** Stores every query in one bulk request; refuses (and stores nothing more) if any is refused. */
  async add(collection: string, queries: readonly GoldenQuery[], source: StoredGoldenQuery['source']): Promise<number> {
    if (queries.length === 0) return 0;
    await this.index.ensure();
    const addedAt = new Date().toISOString();
    const operations = queries.flatMap((q) => {
      const key = this.key(collection, q.query);
      return [
        { index: { _index: GOLDEN_INDEX, _id: key } },
        { key, collection, query: q.query, relevant: q.relevant ?? null, source, addedAt } satisfies StoredGoldenQuery,
      ];
    });
    const response = await this.es.bulk({ operations, refresh: BOOKKEEPING_REFRESH });
    if (response.errors) {
      // Nothing half-imported: what this request did store goes again.
      const stored = response.items.filter((item) => !item.index?.error).map((item) => item.index!._id!);
      await this.remove(stored);
      throw new Error(
        `Elasticsearch refused ${queries.length - stored.length} of ${queries.length} golden queries for "${collection}"; none were kept. Retry the import.`,
      );
    }
    return queries.length;
  }

  async list(collection: string): Promise<StoredGoldenQuery[]> {
    await this.index.ensure();
    const all: StoredGoldenQuery[] = [];
    for (let after: unknown[] | undefined; ;) {
      const response = await this.es.search<StoredGoldenQuery>({
        index: GOLDEN_INDEX,
        size: PAGE,
        query: { term: { collection } },
        sort: [{ key: 'asc' }],
        ...(after ? { search_after: after as never } : {}),
      });
      const hits = response.hits.hits;
      all.push(...hits.map((h) => storedSchema.parse(h._source)));
      if (hits.length < PAGE) return all;
      after = hits[hits.length - 1]!.sort;
    }
  }

  /** Deletes the collection's golden queries; returns how many there were. */
  async clear(collection: string): Promise<number> {
    const ids = (await this.list(collection)).map((q) => q.key);
    await this.remove(ids);
    return ids.length;
  }

  private async remove(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.es.bulk({ operations: ids.map((id) => ({ delete: { _index: GOLDEN_INDEX, _id: id } })), refresh: BOOKKEEPING_REFRESH });
  }

  private key(collection: string, query: string): string {
    return `${collection}:${createHash('sha256').update(query).digest('hex').slice(0, 24)}`;
  }
}
