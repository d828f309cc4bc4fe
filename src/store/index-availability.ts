import type { Client } from '@elastic/elasticsearch';
import { IndexUnavailableError } from '../errors.js';

/**
 * Fails with IndexUnavailableError when any of the indexes has an unassigned primary shard
 * (is red). Checked before a migration's activity reads or writes: a search of a red index
 * answers from the shards that are left, which a copy would take for documents that do not
 * exist, and writes to a lost primary wait and fail. Indexes that do not exist are skipped.
 */
export async function assertIndexesAvailable(es: Client, indexes: readonly string[]): Promise<void> {
  const exists = await Promise.all(indexes.map((index) => es.indices.exists({ index })));
  const present = indexes.filter((_, i) => exists[i]);
  if (present.length === 0) return;
  const health = await es.cluster.health({ index: present, level: 'shards' });
  const lost = Object.entries(health.indices ?? {}).flatMap(([index, h]) => {
    if (h.status !== 'red') return [];
    const shards = Object.entries(h.shards ?? {})
      .filter(([, shard]) => !shard.primary_active)
      .map(([number]) => Number(number));
    return [{ index, shards }];
  });
  if (lost.length > 0) throw new IndexUnavailableError(lost);
}
