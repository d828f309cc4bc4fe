import type { Client } from '@elastic/elasticsearch';
import type { MigrationDeps } from './activities/deps.js';
import type { Config } from './config/env.js';
import { ProviderPool } from './embedding/provider-pool.js';
import { SpecCatalog } from './embedding/spec-catalog.js';
import { CollectionRegistry } from './registry/collection-registry.js';
import { SearchRouter, type RouterOptions } from './search/search-router.js';
import { AliasStore } from './store/aliases.js';
import { AdapterStore } from './store/adapters.js';
import { CanaryStore } from './store/canaries.js';
import { RetiredSpecs } from './store/retired-specs.js';
import { assertElasticsearchReachable, createElasticsearchClient } from './store/elasticsearch-client.js';
import { GoldenQueryStore } from './store/golden-queries.js';
import { QuarantineStore } from './store/quarantine.js';
import { VectorIndexStore } from './store/vector-index.js';
import { CollectionWriter } from './writer/collection-writer.js';

/**
 * The composition root: every part of reembed (worker, client, CLI, writer, router) gets
 * its Elasticsearch client, stores, registry, spec catalog and embedding providers from
 * here. Each piece is built on first use, so a command that only reads the registry never
 * loads a model; `close()` releases what was opened.
 */
export interface ServicesOptions {
  readonly catalog?: SpecCatalog;
  /** Query vectors kept per spec (0: every query is embedded again). */
  readonly queryCacheSize?: number;
}

export class Services {
  /** Each piece built once: the stores remember that their index exists, the pool its loaded models. */
  private readonly built = new Map<string, unknown>();

  constructor(
    readonly config: Config,
    private readonly options: ServicesOptions = {},
  ) {}

  private once<T>(name: string, build: () => T): T {
    if (!this.built.has(name)) this.built.set(name, build());
    return this.built.get(name) as T;
  }

  get es(): Client {
    return this.once('es', () => createElasticsearchClient(this.config));
  }

  get catalog(): SpecCatalog {
    return this.once('catalog', () => this.options.catalog ?? SpecCatalog.load());
  }

  /** One pool per process: loaded models and rate limiters are shared by everything in it. */
  get providers(): ProviderPool {
    const { queryCacheSize } = this.options;
    return this.once('providers', () => new ProviderPool(this.config, queryCacheSize === undefined ? {} : { queryCacheSize }));
  }

  get registry(): CollectionRegistry {
    return this.once('registry', () => new CollectionRegistry(this.es));
  }

  get store(): VectorIndexStore {
    return this.once('store', () => new VectorIndexStore(this.es));
  }

  get aliases(): AliasStore {
    return this.once('aliases', () => new AliasStore(this.es));
  }

  get quarantine(): QuarantineStore {
    return this.once('quarantine', () => new QuarantineStore(this.es));
  }

  get golden(): GoldenQueryStore {
    return this.once('golden', () => new GoldenQueryStore(this.es));
  }

  get adapters(): AdapterStore {
    return this.once('adapters', () => new AdapterStore(this.es));
  }

  get retiredSpecs(): RetiredSpecs {
    return this.once('retiredSpecs', () => new RetiredSpecs(this.es));
  }

  get canaries(): CanaryStore {
    return this.once('canaries', () => new CanaryStore(this.es));
  }

  /** Fails with what to do when Elasticsearch cannot be reached or refuses our credentials. */
  async assertReachable(): Promise<void> {
    await assertElasticsearchReachable(this.es, this.config.elasticsearch.url);
  }

  migrationDeps(): MigrationDeps {
    const { es, catalog, providers, store, aliases, registry, quarantine, golden, canaries, adapters, retiredSpecs, config } = this;
    return { es, catalog, providers, store, aliases, registry, quarantine, golden, canaries, adapters, retiredSpecs, config };
  }

  /** `registryCacheMs` bounds how long a change of write targets takes to reach this writer. */
  writer(options: { registryCacheMs?: number } = {}): CollectionWriter {
    const { registry, store, aliases, catalog, providers, retiredSpecs, adapters } = this;
    return new CollectionWriter(
      { registry, store, aliases, catalog, providers, retiredSpecs, adapters },
      options.registryCacheMs ?? this.config.registryCacheMs,
    );
  }

  router(options: RouterOptions = {}): SearchRouter {
    const { es, registry, catalog, providers, retiredSpecs, adapters } = this;
    return new SearchRouter({ es, registry, catalog, providers, retiredSpecs, adapters }, { registryCacheMs: this.config.registryCacheMs, ...options });
  }

  /** Stops the query threads and closes the Elasticsearch client, if anything started them. */
  async close(): Promise<void> {
    if (this.built.has('providers')) await this.providers.close();
    if (this.built.has('es')) await this.es.close();
  }
}
