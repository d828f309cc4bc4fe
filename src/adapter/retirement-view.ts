import { TtlCache } from '../registry/cached-registry.js';
import type { AdapterStore } from '../store/adapters.js';
import type { RetiredSpecs } from '../store/retired-specs.js';
import type { LinearMap } from './linear-map.js';

/**
 * Which specs are retired, and the map that stands in for a retired old spec during a
 * migration, read through a short cache: routers and writers ask on every search and write.
 */
export class RetirementView {
  private readonly retired: TtlCache<ReadonlySet<string>>;
  private readonly maps: TtlCache<LinearMap | null>;

  constructor(
    private readonly deps: { readonly retiredSpecs: RetiredSpecs; readonly adapters: AdapterStore },
    ttlMs: number,
  ) {
    this.retired = new TtlCache(ttlMs);
    this.maps = new TtlCache(ttlMs);
  }

  retiredIds(): Promise<ReadonlySet<string>> {
    return this.retired.get('all', () => this.deps.retiredSpecs.ids());
  }

  /** The migration's new → old map when its adapter passed its gate for queries; null otherwise. */
  queryMap(collection: string, sourceIndex: string, targetIndex: string): Promise<LinearMap | null> {
    return this.maps.get(`${collection}:${sourceIndex}:${targetIndex}`, async () => {
      const adapter = await this.deps.adapters.find(collection, sourceIndex, targetIndex);
      return adapter?.summary.usable.queries ? adapter.newToOld : null;
    });
  }
}
