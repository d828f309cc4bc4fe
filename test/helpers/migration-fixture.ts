import { after, before } from 'node:test';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client as EsClient } from '@elastic/elasticsearch';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { History } from '@temporalio/common/lib/proto-utils.js';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { ReembedClient } from '../../src/client/reembed-client.js';
import { loadConfig, type Config } from '../../src/config/env.js';
import type { SourceDocument } from '../../src/corpus/source-document.js';
import { loadSotuPassages } from '../../src/corpus/sotu.js';
import type { SpecCatalog } from '../../src/embedding/spec-catalog.js';
import type { CollectionRegistry } from '../../src/registry/collection-registry.js';
import { Services } from '../../src/services.js';
import type { AliasStore } from '../../src/store/aliases.js';
import type { VectorIndexStore } from '../../src/store/vector-index.js';
import type { CollectionWriter } from '../../src/writer/collection-writer.js';
import { createReembedWorker, type ReembedWorker } from '../../src/worker/create-worker.js';
import { connectTemporal } from '../../src/client/temporal-client.js';
import { migrationWorkflowId } from '../../src/migration/input.js';
import { indexContents } from './index-contents.js';
import { requireServices, uniqueName } from './services.js';
import { cachedWorkflowBundle } from './workflow-bundle.js';

let runtimeInstalled = false;

/**
 * The passages test collections hold: State of the Union passages of about 30 words. A
 * document's embedding time grows with its length (a 120-word passage costs MiniLM about
 * four times what a 30-word one does), and no migration test depends on it.
 */
export function testPassages(): SourceDocument[] {
  return loadSotuPassages({ fromYear: 2009, toYear: 2021, wordsPerPassage: 30 });
}

/** Everything a migration test needs, on its own task queue so tests never share workers. */
export class MigrationFixture {
  readonly es: EsClient;
  readonly catalog: SpecCatalog;
  readonly store: VectorIndexStore;
  readonly aliases: AliasStore;
  readonly registry: CollectionRegistry;
  readonly writer: CollectionWriter;
  private worker?: { reembed: ReembedWorker; running: Promise<void> };
  private readonly collections: string[] = [];

  private constructor(
    readonly services: Services,
    readonly client: ReembedClient,
    /** The environment the fixture's configuration was loaded from (a spawned worker gets it too). */
    readonly env: Record<string, string | undefined>,
  ) {
    ({ es: this.es, catalog: this.catalog, store: this.store, aliases: this.aliases, registry: this.registry } = services);
    this.writer = services.writer();
  }

  get config(): Config {
    return this.services.config;
  }

  static async create(env: Record<string, string> = {}): Promise<MigrationFixture> {
    if (!runtimeInstalled) {
      Runtime.install({ logger: new DefaultLogger('WARN') });
      runtimeInstalled = true;
    }
    await requireServices();
    // Writers and routers of a test see registry changes within 400 ms, so its migrations wait 1 s for them, not 5.
    const fullEnv = { ...process.env, REEMBED_TASK_QUEUE: uniqueName('test-migration'), REEMBED_REGISTRY_CACHE_MS: '400', ...env };
    const config = loadConfig(fullEnv);
    const services = new Services(config);
    const client = await ReembedClient.connect(config, services);
    // A dev server whose database predates one of reembed's search attributes gets it here.
    await client.init();
    return new MigrationFixture(services, client, fullEnv);
  }

  /** `env` overrides this fixture's configuration for the worker only (e.g. a fixed API key). */
  async startWorker(env: Record<string, string> = {}): Promise<void> {
    const config = Object.keys(env).length === 0 ? this.config : loadConfig({ ...this.env, ...env });
    const reembed = await createReembedWorker(config, this.catalog, { workflowBundle: await cachedWorkflowBundle() });
    this.worker = { reembed, running: reembed.worker.run() };
  }

  async stopWorker(): Promise<void> {
    if (!this.worker) return;
    this.worker.reembed.worker.shutdown();
    await this.worker.running;
    await this.worker.reembed.close();
    this.worker = undefined;
  }

  /** Marks a collection made outside seedCollection for removal at close. */
  track(collection: string): string {
    this.collections.push(collection);
    return collection;
  }

  /** A new collection on the first spec holding the first `count` test passages. */
  async seedCollection(count: number, specId = 'minilm-l6-v2'): Promise<string> {
    return this.seedDocuments(testPassages().slice(0, count), specId);
  }

  /** A new collection on `specId` holding the documents, refreshed for search. */
  async seedDocuments(docs: readonly SourceDocument[], specId = 'minilm-l6-v2'): Promise<string> {
    const collection = this.track(uniqueName('mig'));
    await this.writer.createCollection(collection, specId, { storeContent: true });
    for (let i = 0; i < docs.length; i += 64) {
      const result = await this.writer.upsert(collection, docs.slice(i, i + 64));
      if (result.failed.length > 0) throw new Error(`seeding failed: ${JSON.stringify(result.failed)}`);
    }
    await this.store.refresh((await this.registry.get(collection)).activeIndex);
    return collection;
  }

  /** Every (id, source hash) pair an index holds. */
  contents(index: string): Promise<Map<string, string>> {
    return indexContents(this.store, index);
  }

  /**
   * Replays the collection's finished migration against today's workflow code (a
   * nondeterminism error fails the test). With REEMBED_RECORD_HISTORIES=<dir> the history
   * is also saved there as a fixture for test/integration/replay.test.ts.
   */
  async replay(collection: string, fixtureName: string): Promise<History> {
    return this.replayWorkflow(migrationWorkflowId(collection), fixtureName);
  }

  /** replay() of any workflow of reembed's, by its id. */
  async replayWorkflow(workflowId: string, fixtureName: string): Promise<History> {
    const temporal = await connectTemporal(this.config);
    try {
      const history = await temporal.client.workflow.getHandle(workflowId).fetchHistory();
      await Worker.runReplayHistory({ workflowBundle: await cachedWorkflowBundle() }, history, workflowId);
      const dir = process.env.REEMBED_RECORD_HISTORIES;
      if (dir) {
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, `${fixtureName}.json`), historyToJSON(history));
      }
      return history;
    } finally {
      await temporal.close();
    }
  }

  /** Removes every index and registry record the test created. */
  async close(): Promise<void> {
    await this.stopWorker();
    for (const collection of this.collections) {
      // Elasticsearch refuses wildcard deletes (action.destructive_requires_name).
      const indexes = Object.keys(await this.es.indices.get({ index: `${collection}__*`, allow_no_indices: true, ignore_unavailable: true }));
      if (indexes.length > 0) await this.es.indices.delete({ index: indexes });
      await this.registry.remove(collection);
      await this.services.golden.clear(collection);
      await this.services.canaries.clear(collection);
    }
    // Closes the shared services (Elasticsearch) too.
    await this.client.close();
  }
}

/**
 * The usual suite set-up: a fixture with a worker running before the first test, closed
 * after the last. Returns the fixture once `before` has made it.
 */
export function withWorkerFixture(): () => MigrationFixture {
  let fx: MigrationFixture | undefined;
  before(async () => {
    fx = await MigrationFixture.create();
    await fx.startWorker();
  });
  after(async () => fx?.close());
  return () => fx!;
}
