import type { Client } from '@elastic/elasticsearch';

/** An index with unassigned primary shards (red), and which. */
export interface LostShards {
  readonly index: string;
  readonly shards: readonly number[];
}

/**
 * The indexes among `indexes` that have an unassigned primary shard (are red). A search of a
 * red index answers from the shards that are left, which a copy would take for documents that
 * do not exist, and writes to a lost primary wait and fail. Indexes that do not exist are skipped.
 */
export async function redIndexes(es: Client, indexes: readonly string[]): Promise<LostShards[]> {
  const exists = await Promise.all(indexes.map((index) => es.indices.exists({ index })));
  const present = indexes.filter((_, i) => exists[i]);
  if (present.length === 0) return [];
  const health = await es.cluster.health({ index: present, level: 'shards' });
  return Object.entries(health.indices ?? {}).flatMap(([index, h]) => {
    if (h.status !== 'red') return [];
    const shards = Object.entries(h.shards ?? {})
      .filter(([, shard]) => !shard.primary_active)
      .map(([number]) => Number(number));
    return [{ index, shards }];
  });
}
