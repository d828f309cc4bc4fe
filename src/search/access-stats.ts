import type { Client } from '@elastic/elasticsearch';
import { FlushedCounts } from './flushed-counts.js';

export const ACCESS_STATS_INDEX = 'reembed-access-stats';

/**
 * Which documents searches return (one record per id per flush). The backfill reads the
 * totals to migrate the hottest documents first.
 */
export class AccessStats extends FlushedCounts {
  constructor(es: Client, options: { flushIntervalMs?: number; maxPendingIds?: number } = {}) {
    super(es, ACCESS_STATS_INDEX, 'doc_id', { flushIntervalMs: options.flushIntervalMs, maxPendingKeys: options.maxPendingIds });
  }

  record(collection: string, ids: readonly string[]): void {
    this.add(collection, ids);
  }

  protected document(collection: string, docId: string, count: number, at: string): [object, object] {
    return [{ index: { _index: ACCESS_STATS_INDEX } }, { collection, doc_id: docId, count, at }];
  }

  /** The `limit` most returned document ids of a collection, hottest first. */
  static async hottest(es: Client, collection: string, limit: number): Promise<string[]> {
    return (await FlushedCounts.top(es, ACCESS_STATS_INDEX, 'doc_id', collection, limit)).map((t) => t.key);
  }
}
