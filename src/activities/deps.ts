import type { Client } from '@elastic/elasticsearch';
import type { Config } from '../config/env';
import type { ProviderPool } from '../embedding/provider-pool';
import type { SpecCatalog } from '../embedding/spec-catalog';
import type { CollectionRegistry } from '../registry/collection-registry';
import type { AliasStore } from '../store/aliases';
import type { QuarantineStore } from '../store/quarantine';
import type { VectorIndexStore } from '../store/vector-index';

/** What the migration activities call; built once per worker by the composition root. */
export interface MigrationDeps {
  readonly es: Client;
  readonly catalog: SpecCatalog;
  readonly providers: ProviderPool;
  readonly store: VectorIndexStore;
  readonly aliases: AliasStore;
  readonly registry: CollectionRegistry;
  readonly quarantine: QuarantineStore;
  readonly config: Pick<Config, 'prices' | 'openai'>;
}
