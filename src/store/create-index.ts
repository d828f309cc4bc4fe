import type { Client, estypes } from '@elastic/elasticsearch';

/**
 * Creates an index unless it exists; returns whether this call created it. Two processes
 * (or two attempts of one activity) may race here: the loser's work is already done.
 */
export async function createIndexIfMissing(es: Client, request: estypes.IndicesCreateRequest): Promise<boolean> {
  if (await es.indices.exists({ index: request.index })) return false;
  try {
    await es.indices.create(request);
    return true;
  } catch (error) {
    if ((error as { meta?: { body?: { error?: { type?: string } } } }).meta?.body?.error?.type === 'resource_already_exists_exception') return false;
    throw error;
  }
}

/**
 * How a write to a bookkeeping index becomes visible to searches: an explicit refresh. These
 * indexes take a few writes per phase, so refreshing one costs little, where 'wait_for' made
 * every phase change, quarantine entry and canary set wait up to the next scheduled refresh
 * (a second by default, longer on a search-idle shard).
 */
export const BOOKKEEPING_REFRESH = true;

/** reembed's own small bookkeeping indexes: one shard, a replica once a second node exists. */
const BOOKKEEPING_INDEX_SETTINGS = { number_of_shards: 1, auto_expand_replicas: '0-1' } as const;

/**
 * One of reembed's own indexes, created on first use. The outcome is remembered per
 * instance, so reads on hot paths (the registry on every write) cost no existence check.
 */
export class BookkeepingIndex {
  private ready?: Promise<boolean>;

  constructor(
    private readonly es: Client,
    private readonly request: estypes.IndicesCreateRequest & { index: string },
  ) {}

  get name(): string {
    return this.request.index;
  }

  async ensure(): Promise<void> {
    this.ready ??= this.createOrAwait();
    try {
      await this.ready;
    } catch (error) {
      this.ready = undefined;
      throw error;
    }
  }

  /**
   * A create returns once the primary is active, but an index another process created a moment
   * ago may not have its primary yet, and a read then fails with no_shard_available. The wait is
   * bounded: an index that stays red is reported by the read that follows.
   */
  private async createOrAwait(): Promise<boolean> {
    const created = await createIndexIfMissing(this.es, { ...this.request, settings: { ...BOOKKEEPING_INDEX_SETTINGS, ...this.request.settings } });
    if (!created) await this.es.cluster.health({ index: this.name, wait_for_status: 'yellow', timeout: '10s' }, { ignore: [408] });
    return created;
  }
}
