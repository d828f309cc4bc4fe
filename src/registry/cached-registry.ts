import type { CollectionRecord } from './collection-record.js';
import type { CollectionRegistry } from './collection-registry.js';

/**
 * How stale a writer's or router's view of the registry may be. Migrations wait at least
 * this long after changing write targets before they rely on every writer having seen the
 * change (before catch-up, before deleting an index); see `writerStalenessMs`.
 */
export const REGISTRY_CACHE_MS = 2_000;

/** Reads registry records through a short cache, so hot write and search paths cost no extra request. */
export class CachedRegistry {
  private readonly entries = new Map<string, { at: number; record: Promise<CollectionRecord> }>();

  constructor(
    private readonly registry: Pick<CollectionRegistry, 'get'>,
    private readonly ttlMs = REGISTRY_CACHE_MS,
  ) {}

  get(collection: string): Promise<CollectionRecord> {
    const entry = this.entries.get(collection);
    if (entry && Date.now() - entry.at < this.ttlMs) return entry.record;
    const record = this.registry.get(collection);
    this.entries.set(collection, { at: Date.now(), record });
    record.catch(() => this.entries.delete(collection));
    return record;
  }
}
