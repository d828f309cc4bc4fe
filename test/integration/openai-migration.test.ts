import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/env.js';
import { fingerprint } from '../../src/embedding/model-spec.js';
import { ProviderPool } from '../../src/embedding/provider-pool.js';
import { versionedIndexName } from '../../src/store/vector-index-layout.js';
import { MigrationFixture } from '../helpers/migration-fixture.js';
import { OpenAICompatibleServer } from '../helpers/openai-compatible-server.js';

const TARGET = 'openai-3-small-256';

describe('migration from a local model to an OpenAI model over HTTP', () => {
  let server: OpenAICompatibleServer;
  let fx: MigrationFixture;
  before(async () => {
    const local = await new ProviderPool(loadConfig()).get((await import('../../src/embedding/spec-catalog.js')).SpecCatalog.load().get('minilm-l6-v2'));
    server = await OpenAICompatibleServer.start(local, { apiKey: 'sk-local-test', models: ['text-embedding-3-small'] });
    fx = await MigrationFixture.create({ OPENAI_BASE_URL: server.baseURL, OPENAI_API_KEY: server.apiKey });
    await fx.startWorker();
  });
  after(async () => {
    await fx?.close();
    await server?.stop();
  });

  it('migrates every document to 256-d OpenAI vectors, quarantining the one the API refuses', async () => {
    const collection = await fx.seedCollection(40);
    await fx.writer.upsert(collection, [{ id: 'poison', text: 'An input the API refuses: <<reject>>' }]);
    const target = versionedIndexName(collection, fx.catalog.get(TARGET));
    await fx.client.startMigration({ collection, targetSpecId: TARGET, graceMs: 0, batchSize: 16 });
    const waiting = await fx.client.waitForPhase(collection, ['AWAITING_APPROVAL'], { timeoutMs: 120_000 });
    assert.deepEqual(waiting.documents, { total: 41, migrated: 40, quarantined: 1, truncated: 0 });
    assert.equal(waiting.quarantineSample[0]?.id, 'poison');
    assert.match(waiting.quarantineSample[0]?.reason ?? '', /rejected the input/);
    assert.ok(waiting.tokens > 40 * 50, `tokens ${waiting.tokens} from the endpoint's usage`);

    assert.equal(waiting.unsearchableAfterCutover?.count, 1);
    await fx.client.approve(collection, { approver: 'ml-lead', acknowledgeMissing: true });
    await fx.client.waitForPhase(collection, ['RETENTION'], { timeoutMs: 60_000 });
    const mapping = await fx.es.indices.getMapping({ index: target });
    assert.equal((mapping[target]!.mappings.properties!.vector as { dims: number }).dims, 256);
    assert.deepEqual([...(await fx.store.fingerprints(target)).keys()], [fingerprint(fx.catalog.get(TARGET))]);

    const router = fx.services.router();
    const { hits } = await router.search(collection, 'economic recovery and jobs', { k: 3 });
    assert.equal(hits.length, 3);
    assert.ok(hits.every((h) => h.specId === TARGET && h.index === target));

    await fx.client.endRetention(collection, { by: 'ml-lead' });
    assert.equal((await fx.client.result(collection)).phase, 'COMPLETED');
  });
});
