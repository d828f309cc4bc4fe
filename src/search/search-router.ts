import type { Client } from '@elastic/elasticsearch';
import type { ProviderPool } from '../embedding/provider-pool.js';
import type { SpecCatalog } from '../embedding/spec-catalog.js';
import { RetirementView } from '../adapter/retirement-view.js';
import { REGISTRY_CACHE_MS } from '../migration/writer-staleness.js';
import { CachedRegistry } from '../registry/cached-registry.js';
import type { CollectionRegistry } from '../registry/collection-registry.js';
import type { AdapterStore } from '../store/adapters.js';
import type { RetiredSpecs } from '../store/retired-specs.js';
import { type AccessStats } from './access-stats.js';
import { type QuerySample } from './query-sample.js';
import { coverageWeightedMerge, overlapAtK, reciprocalRankFusion, type MergeStrategy, type RankedHit } from './merge-results.js';
import { chooseRoute, type Route } from './route.js';
import { knnMsearch, type KnnSide } from './knn-msearch.js';

export interface SearchOptions {
  readonly k?: number;
  /** An Elasticsearch query that filters candidates, e.g. `{ term: { 'metadata.lang': 'en' } }`. */
  readonly filter?: Record<string, unknown>;
  /** Query vectors the caller already has, by spec id; those specs are not embedded again. */
  readonly queryVectors?: Readonly<Record<string, Float32Array>>;
}

export interface RoutedResult {
  readonly hits: RankedHit[];
  /** 'new-only': the old spec is retired and no adapter passed its gate, so only the (partial) new index was searched. */
  readonly route: Route['kind'] | 'shadow' | 'new-only';
  /** The old index was searched with the new spec's query vector mapped by the migration's adapter (the old spec is retired). */
  readonly adaptedQuery?: boolean;
  readonly coverage: number;
  /** Shadow mode only: share of the old top-k that the new index also returned. */
  readonly shadowOverlap?: number;
}

export interface RouterOptions {
  readonly strategy?: MergeStrategy;
  /** Coverage from which both indexes are searched and merged (default 0.5). */
  readonly mergeThreshold?: number;
  /** Serve the old index during a migration and measure the new one's overlap instead. */
  readonly shadow?: boolean;
  readonly registryCacheMs?: number;
  readonly accessStats?: AccessStats;
  /** Opt-in: records a bounded sample of query texts (golden queries from traffic, warm-up). */
  readonly querySample?: QuerySample;
}

/**
 * The read path other services import. Before and after a migration it searches the
 * active index; during one it routes by coverage — old index only, or both through a
 * single `_msearch` with the results merged — so callers never see a migration.
 */
export class SearchRouter {
  private readonly records: CachedRegistry;
  private readonly retirement: RetirementView;
  private readonly shadowOverlaps: number[] = [];

  constructor(
    private readonly deps: {
      es: Client;
      registry: CollectionRegistry;
      catalog: SpecCatalog;
      providers: ProviderPool;
      retiredSpecs: RetiredSpecs;
      adapters: AdapterStore;
    },
    private readonly options: RouterOptions = {},
  ) {
    const ttl = options.registryCacheMs ?? REGISTRY_CACHE_MS;
    this.records = new CachedRegistry(deps.registry, ttl);
    this.retirement = new RetirementView(deps, ttl);
  }

  async route(collection: string): Promise<Route> {
    return chooseRoute(await this.records.get(collection), this.options.mergeThreshold ?? 0.5);
  }

  async search(collection: string, text: string, options: SearchOptions = {}): Promise<RoutedResult> {
    const k = options.k ?? 10;
    const route = await this.route(collection);
    const result = await this.searchRoute(collection, route, text, k, options);
    this.options.accessStats?.record(
      collection,
      result.hits.map((h) => h.id),
    );
    this.options.querySample?.record(collection, text);
    return result;
  }

  /** Mean shadow overlap@k so far, and how many searches it covers. */
  shadowReport(): { searches: number; meanOverlap: number | null } {
    const n = this.shadowOverlaps.length;
    return { searches: n, meanOverlap: n === 0 ? null : this.shadowOverlaps.reduce((a, b) => a + b, 0) / n };
  }

  private async searchRoute(collection: string, route: Route, text: string, k: number, options: SearchOptions): Promise<RoutedResult> {
    const { filter } = options;
    if (route.kind !== 'active' && (await this.isRetired(route.kind === 'merged' ? route.old.specId : route.specId))) {
      return this.searchRetired(collection, route, text, k, options);
    }
    if (route.kind !== 'merged' && !(route.kind === 'old-only' && this.options.shadow)) {
      const [vector] = await this.embed([route.specId], text, options.queryVectors);
      const [hits] = await this.knn([{ ...route, vector: vector! }], k, filter);
      return { hits: hits!, route: route.kind, coverage: route.kind === 'old-only' ? route.coverage : 1 };
    }
    const old = route.kind === 'merged' ? route.old : { index: route.index, specId: route.specId };
    const fresh = route.new;
    const [oldVector, newVector] = await this.embed([old.specId, fresh.specId], text, options.queryVectors);
    const [oldHits, newHits] = await this.knn(
      [
        { ...old, vector: oldVector! },
        { ...fresh, vector: newVector! },
      ],
      k,
      filter,
    );
    if (this.options.shadow) {
      const overlap = overlapAtK(oldHits!, newHits!, k);
      this.shadowOverlaps.push(overlap);
      return { hits: oldHits!, route: 'shadow', coverage: route.coverage, shadowOverlap: overlap };
    }
    return { hits: this.merge(oldHits!, newHits!, route.coverage, k), route: 'merged', coverage: route.coverage };
  }

  /**
   * During a migration from a retired spec no query can be embedded in the old space: the
   * new spec's vector is mapped into it by the migration's adapter (if its held-out recall
   * passed), and the old index searched with that; without one, only the new index answers.
   */
  private async searchRetired(
    collection: string,
    route: Exclude<Route, { kind: 'active' }>,
    text: string,
    k: number,
    options: SearchOptions,
  ): Promise<RoutedResult> {
    const old = route.kind === 'merged' ? route.old : { index: route.index, specId: route.specId };
    const fresh = route.new;
    const [newVector] = await this.embed([fresh.specId], text, options.queryVectors);
    const toOld = await this.retirement.queryMap(collection, old.index, fresh.index);
    if (!toOld) {
      const [hits] = await this.knn([{ ...fresh, vector: newVector! }], k, options.filter);
      return { hits: hits!, route: 'new-only', coverage: route.coverage };
    }
    const oldVector = toOld.apply(newVector!);
    if (route.kind === 'old-only') {
      const [hits] = await this.knn([{ ...old, vector: oldVector }], k, options.filter);
      return { hits: hits!, route: 'old-only', coverage: route.coverage, adaptedQuery: true };
    }
    const [oldHits, newHits] = await this.knn(
      [
        { ...old, vector: oldVector },
        { ...fresh, vector: newVector! },
      ],
      k,
      options.filter,
    );
    return { hits: this.merge(oldHits!, newHits!, route.coverage, k), route: 'merged', coverage: route.coverage, adaptedQuery: true };
  }

  private async isRetired(specId: string): Promise<boolean> {
    return (await this.retirement.retiredIds()).has(specId);
  }

  private merge(oldHits: RankedHit[], newHits: RankedHit[], coverage: number, k: number): RankedHit[] {
    return (this.options.strategy ?? 'rrf') === 'rrf' ? reciprocalRankFusion([newHits, oldHits], k) : coverageWeightedMerge(oldHits, newHits, coverage, k);
  }

  /** The query in each spec, reusing vectors the caller passed in. */
  private async embed(specIds: string[], text: string, given: SearchOptions['queryVectors']): Promise<Float32Array[]> {
    const missing = specIds.filter((id) => !given?.[id]);
    const computed = await this.deps.providers.embedQuery(
      missing.map((id) => this.deps.catalog.get(id)),
      text,
    );
    return specIds.map((id) => given?.[id] ?? computed[missing.indexOf(id)]!);
  }

  private knn(sides: KnnSide[], k: number, filter?: Record<string, unknown>): Promise<RankedHit[][]> {
    return knnMsearch(this.deps.es, sides, k, filter);
  }
}
