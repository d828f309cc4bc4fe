import { randomInt } from 'node:crypto';
import type { Client } from '@elastic/elasticsearch';
import { FlushedCounts } from './flushed-counts.js';

export const QUERY_SAMPLE_INDEX = 'reembed-query-sample';
/** Longer texts are not sampled: they are pasted documents more than queries, and keyword fields cap a term's size. */
const MAX_QUERY_CHARS = 1_000;

export interface QuerySampleOptions {
  /** Share of searches whose query text is recorded, in (0, 1]. */
  readonly rate: number;
  /** Most records kept per collection (default 10,000); new ones replace random old ones. */
  readonly capacity?: number;
  readonly flushIntervalMs?: number;
}

/**
 * An opt-in, bounded sample of the query texts a collection is searched with: the source of
 * unlabelled golden queries (`reembed golden sample --from-traffic`) and of warm-up queries.
 * Each flushed (query, count) record lands in one of `capacity` slots per collection chosen
 * at random, so the index never holds more than `capacity` records per collection however
 * long it runs, and frequent queries stay frequent in it.
 */
export class QuerySample extends FlushedCounts {
  private readonly rate: number;
  private readonly capacity: number;

  constructor(es: Client, options: QuerySampleOptions) {
    super(es, QUERY_SAMPLE_INDEX, 'query', { flushIntervalMs: options.flushIntervalMs });
    if (!(options.rate > 0 && options.rate <= 1)) throw new RangeError(`query sample rate must be in (0, 1], got ${options.rate}`);
    this.rate = options.rate;
    this.capacity = options.capacity ?? 10_000;
  }

  record(collection: string, text: string): void {
    const query = text.trim();
    if (query.length === 0 || query.length > MAX_QUERY_CHARS || Math.random() >= this.rate) return;
    this.add(collection, [query]);
  }

  protected document(collection: string, query: string, count: number, at: string): [object, object] {
    return [{ index: { _index: QUERY_SAMPLE_INDEX, _id: `${collection}:${randomInt(this.capacity)}` } }, { collection, query, count, at }];
  }

  /** The `limit` most frequent sampled query texts of a collection, most frequent first. */
  static async mostFrequent(es: Client, collection: string, limit: number): Promise<{ query: string; count: number }[]> {
    return (await FlushedCounts.top(es, QUERY_SAMPLE_INDEX, 'query', collection, limit)).map((t) => ({ query: t.key, count: t.count }));
  }
}
