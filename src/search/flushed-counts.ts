import type { Client } from '@elastic/elasticsearch';
import { BookkeepingIndex, BOOKKEEPING_REFRESH } from '../store/create-index.js';

/**
 * Counts what searches see, per collection and key, in memory and writes them to one of
 * reembed's own indexes in aggregate — on a timer, when too many keys are pending, and on
 * close — so a search never waits for a write and never costs one write per query.
 */
export abstract class FlushedCounts {
  private pending = new Map<string, Map<string, number>>();
  private pendingKeys = 0;
  private readonly timer?: NodeJS.Timeout;
  private readonly index: BookkeepingIndex;

  constructor(
    protected readonly es: Client,
    indexName: string,
    keyField: string,
    private readonly options: { flushIntervalMs?: number; maxPendingKeys?: number } = {},
  ) {
    this.index = new BookkeepingIndex(es, {
      index: indexName,
      mappings: { properties: { collection: { type: 'keyword' }, [keyField]: { type: 'keyword' }, count: { type: 'long' }, at: { type: 'date' } } },
    });
    const interval = options.flushIntervalMs ?? 10_000;
    if (interval > 0) {
      this.timer = setInterval(() => void this.flush().catch(() => undefined), interval);
      this.timer.unref();
    }
  }

  /** The bulk action and document that store one key's count of one flush. */
  protected abstract document(collection: string, key: string, count: number, at: string): [object, object];

  protected add(collection: string, keys: readonly string[]): void {
    let counts = this.pending.get(collection);
    if (!counts) this.pending.set(collection, (counts = new Map()));
    for (const key of keys) {
      if (!counts.has(key)) this.pendingKeys++;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    if (this.pendingKeys >= (this.options.maxPendingKeys ?? 10_000)) void this.flush().catch(() => undefined);
  }

  async flush(): Promise<void> {
    if (this.pendingKeys === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    this.pendingKeys = 0;
    await this.index.ensure();
    const at = new Date().toISOString();
    const operations = [...batch].flatMap(([collection, counts]) => [...counts].flatMap(([key, count]) => this.document(collection, key, count, at)));
    await this.es.bulk({ operations, refresh: BOOKKEEPING_REFRESH });
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }

  /** The `limit` keys of a collection with the highest summed counts, highest first. */
  protected static async top(es: Client, index: string, keyField: string, collection: string, limit: number): Promise<{ key: string; count: number }[]> {
    const response = await es.search({
      index,
      // Nothing recorded yet (no index): nothing to return.
      ignore_unavailable: true,
      size: 0,
      query: { term: { collection } },
      aggs: { top: { terms: { field: keyField, size: limit, order: { total: 'desc' } }, aggs: { total: { sum: { field: 'count' } } } } },
    });
    const buckets = (response.aggregations?.top as { buckets: { key: string; total: { value: number } }[] } | undefined)?.buckets ?? [];
    return buckets.map((b) => ({ key: b.key, count: b.total.value }));
  }
}
