import type { Config } from '../config/env';
import { ProviderPool } from '../embedding/provider-pool';
import { SpecCatalog } from '../embedding/spec-catalog';
import { CollectionRegistry } from '../registry/collection-registry';
import { AliasStore } from '../store/aliases';
import { createElasticsearchClient } from '../store/elasticsearch-client';
import { VectorIndexStore } from '../store/vector-index';
import { CollectionWriter } from './collection-writer';

/** A writer wired from the environment; `close()` releases its connections. */
export function createWriter(config: Config, options: { registryCacheMs?: number } = {}): CollectionWriter & { close(): Promise<void> } {
  const es = createElasticsearchClient(config);
  const writer = new CollectionWriter(
    {
      registry: new CollectionRegistry(es),
      store: new VectorIndexStore(es),
      aliases: new AliasStore(es),
      catalog: SpecCatalog.load(),
      providers: new ProviderPool(config),
    },
    options.registryCacheMs,
  );
  return Object.assign(writer, { close: () => es.close() });
}
