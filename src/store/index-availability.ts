import type { Client } from '@elastic/elasticsearch';

/** An index with unassigned primary shards (red), and which. */
export interface LostShards {
  readonly index: string;
  readonly shards: readonly number[];
}

/**
 * The indexes among `indexes` that have an unassigned primary shard (are red), in the order
 * given, so a message naming them reads the same every time. A search of a red index answers
 * from the shards that are left, which a copy would take for documents that do not exist, and
 * writes to a lost primary wait and fail. Indexes that do not exist are skipped.
 */
export async function redIndexes(es: Client, indexes: readonly string[]): Promise<LostShards[]> {
  const exists = await Promise.all(indexes.map((index) => es.indices.exists({ index })));
  const present = indexes.filter((_, i) => exists[i]);
  if (present.length === 0) return [];
  const health = await es.cluster.health({ index: present, level: 'shards' });
  return present.flatMap((index) => {
    const h = health.indices?.[index];
    if (h?.status !== 'red') return [];
    const shards = Object.entries(h.shards ?? {})
      .filter(([, shard]) => !shard.primary_active)
      .map(([number]) => Number(number));
    return [{ index, shards }];
  });
}

/**
 * Allocates an empty primary for each shard of `index` that is unassigned with no copy left
 * anywhere (`no_valid_shard_copy`: its node is gone, or came back without its data), and
 * returns their numbers. Only for an index whose documents can be copied again from elsewhere:
 * Elasticsearch accepts the data loss, and a copy that turns up later is discarded.
 */
export async function rebuildLostPrimaries(es: Client, index: string): Promise<number[]> {
  const [lost] = await redIndexes(es, [index]);
  const rebuilt: number[] = [];
  for (const shard of lost?.shards ?? []) {
    const explained = await es.cluster.allocationExplain({ index, shard, primary: true });
    if (explained.can_allocate !== 'no_valid_shard_copy') continue;
    const node =
      explained.node_allocation_decisions?.[0]?.node_name ??
      (await es.cat.nodes({ format: 'json', h: 'name,node.role' })).find((n) => n['node.role']?.includes('d'))?.name;
    if (!node) continue;
    await es.cluster.reroute({ commands: [{ allocate_empty_primary: { index, shard, node, accept_data_loss: true } }] });
    rebuilt.push(shard);
  }
  if (rebuilt.length > 0) await es.cluster.health({ index, wait_for_status: 'yellow', timeout: '60s' });
  return rebuilt;
}
