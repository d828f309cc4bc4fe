import type { Client } from '@elastic/elasticsearch';
import type { Config } from '../config/env.js';
import type { ProviderPool } from '../embedding/provider-pool.js';
import type { SpecCatalog } from '../embedding/spec-catalog.js';
import type { CollectionRegistry } from '../registry/collection-registry.js';
import type { AliasStore } from '../store/aliases.js';
import type { AdapterStore } from '../store/adapters.js';
import type { CanaryStore } from '../store/canaries.js';
import type { RetiredSpecs } from '../store/retired-specs.js';
import type { GoldenQueryStore } from '../store/golden-queries.js';
import type { QuarantineStore } from '../store/quarantine.js';
import type { VectorIndexStore } from '../store/vector-index.js';

/** What the migration activities call; built once per worker by the composition root. */
export interface MigrationDeps {
  readonly es: Client;
  readonly catalog: SpecCatalog;
  readonly providers: ProviderPool;
  readonly store: VectorIndexStore;
  readonly aliases: AliasStore;
  readonly registry: CollectionRegistry;
  readonly quarantine: QuarantineStore;
  readonly golden: GoldenQueryStore;
  readonly canaries: CanaryStore;
  readonly adapters: AdapterStore;
  readonly retiredSpecs: RetiredSpecs;
  readonly config: Pick<Config, 'prices' | 'batchPrices' | 'batchApi' | 'openai' | 'elasticsearch'>;
}
