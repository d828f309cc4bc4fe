import type { Client } from '@elastic/elasticsearch';
import { BookkeepingIndex } from '../store/create-index.js';

export const ACCESS_STATS_INDEX = 'reembed-access-stats';

/**
 * Which documents searches return, counted in memory and flushed in aggregate (one
 * document per id per flush, never one write per query). The backfill reads the totals
 * to migrate the hottest documents first.
 */
export class AccessStats {
  private pending = new Map<string, Map<string, number>>();
  private pendingIds = 0;
  private timer?: NodeJS.Timeout;
  private readonly index: BookkeepingIndex;

  constructor(
    private readonly es: Client,
    private readonly options: { flushIntervalMs?: number; maxPendingIds?: number } = {},
  ) {
    this.index = new BookkeepingIndex(es, {
      index: ACCESS_STATS_INDEX,
      mappings: { properties: { collection: { type: 'keyword' }, doc_id: { type: 'keyword' }, count: { type: 'long' }, at: { type: 'date' } } },
    });
    const interval = options.flushIntervalMs ?? 10_000;
    if (interval > 0) {
      this.timer = setInterval(() => void this.flush().catch(() => undefined), interval);
      this.timer.unref();
    }
  }

  record(collection: string, ids: readonly string[]): void {
    let counts = this.pending.get(collection);
    if (!counts) this.pending.set(collection, (counts = new Map()));
    for (const id of ids) {
      if (!counts.has(id)) this.pendingIds++;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    if (this.pendingIds >= (this.options.maxPendingIds ?? 10_000)) void this.flush().catch(() => undefined);
  }

  async flush(): Promise<void> {
    if (this.pendingIds === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    this.pendingIds = 0;
    await this.index.ensure();
    const at = new Date().toISOString();
    const operations = [...batch].flatMap(([collection, counts]) =>
      [...counts].flatMap(([docId, count]) => [{ index: { _index: ACCESS_STATS_INDEX } }, { collection, doc_id: docId, count, at }]),
    );
    await this.es.bulk({ operations, refresh: 'wait_for' });
  }

  /** The `limit` most returned document ids of a collection, hottest first. */
  static async hottest(es: Client, collection: string, limit: number): Promise<string[]> {
    const response = await es.search({
      index: ACCESS_STATS_INDEX,
      // No statistics yet (no index): no hot documents.
      ignore_unavailable: true,
      size: 0,
      query: { term: { collection } },
      aggs: { hot: { terms: { field: 'doc_id', size: limit, order: { total: 'desc' } }, aggs: { total: { sum: { field: 'count' } } } } },
    });
    return ((response.aggregations?.hot as { buckets: { key: string }[] } | undefined)?.buckets ?? []).map((b) => b.key);
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }
}
