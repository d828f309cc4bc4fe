import type { Client as EsClient } from '@elastic/elasticsearch';
import { ReembedClient } from '../client/reembed-client';
import { loadConfig, type Config } from '../config/env';
import { ProviderPool } from '../embedding/provider-pool';
import { SpecCatalog } from '../embedding/spec-catalog';
import { CollectionRegistry } from '../registry/collection-registry';
import { AliasStore } from '../store/aliases';
import { assertElasticsearchReachable, createElasticsearchClient } from '../store/elasticsearch-client';
import { VectorIndexStore } from '../store/vector-index';
import { CollectionWriter } from '../writer/collection-writer';
import { SearchRouter } from '../search/search-router';

/** What CLI commands share; each piece is built on first use and closed at exit. */
export class CliContext {
  readonly config: Config = loadConfig();
  readonly catalog = SpecCatalog.load();
  private esClient?: EsClient;
  private reembed?: ReembedClient;
  private providerPool?: ProviderPool;

  async es(): Promise<EsClient> {
    if (!this.esClient) {
      this.esClient = createElasticsearchClient(this.config);
      await assertElasticsearchReachable(this.esClient, this.config.elasticsearch.url);
    }
    return this.esClient;
  }

  async client(): Promise<ReembedClient> {
    this.reembed ??= await ReembedClient.connect(this.config);
    return this.reembed;
  }

  providers(): ProviderPool {
    this.providerPool ??= new ProviderPool(this.config);
    return this.providerPool;
  }

  async registry(): Promise<CollectionRegistry> {
    return new CollectionRegistry(await this.es());
  }

  async writer(): Promise<CollectionWriter> {
    const es = await this.es();
    return new CollectionWriter({
      registry: new CollectionRegistry(es),
      store: new VectorIndexStore(es),
      aliases: new AliasStore(es),
      catalog: this.catalog,
      providers: this.providers(),
    });
  }

  async router(): Promise<SearchRouter> {
    return new SearchRouter({ es: await this.es(), registry: await this.registry(), catalog: this.catalog, providers: this.providers() });
  }

  async close(): Promise<void> {
    await this.reembed?.close();
    await this.esClient?.close();
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
