import { REGISTRY_CACHE_MS } from '../migration/writer-staleness.js';
import type { CollectionRecord } from './collection-record.js';
import type { CollectionRegistry } from './collection-registry.js';

/** Values loaded at most once per `ttlMs` per key; a failed load is forgotten so the next call retries. */
export class TtlCache<V> {
  private readonly entries = new Map<string, { at: number; value: Promise<V> }>();

  constructor(private readonly ttlMs: number) {}

  get(key: string, load: () => Promise<V>): Promise<V> {
    const entry = this.entries.get(key);
    if (entry && Date.now() - entry.at < this.ttlMs) return entry.value;
    const value = load();
    this.entries.set(key, { at: Date.now(), value });
    value.catch(() => this.entries.delete(key));
    return value;
  }
}

/** Reads registry records through a short cache, so hot write and search paths cost no extra request. */
export class CachedRegistry {
  private readonly cache: TtlCache<CollectionRecord>;

  constructor(
    private readonly registry: Pick<CollectionRegistry, 'get'>,
    ttlMs = REGISTRY_CACHE_MS,
  ) {
    this.cache = new TtlCache(ttlMs);
  }

  get(collection: string): Promise<CollectionRecord> {
    return this.cache.get(collection, () => this.registry.get(collection));
  }
}
