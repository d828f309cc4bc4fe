import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/env.js';
import type { EmbeddingProvider } from '../../src/embedding/provider.js';
import { ProviderPool } from '../../src/embedding/provider-pool.js';
import { SpecCatalog } from '../../src/embedding/spec-catalog.js';
import { versionedIndexName } from '../../src/store/vector-index-layout.js';
import { MigrationFixture } from '../helpers/migration-fixture.js';
import { OpenAICompatibleServer } from '../helpers/openai-compatible-server.js';
import { waitFor } from '../helpers/services.js';

const TARGET = 'openai-3-small-256';
const MODELS = ['text-embedding-3-small'];

/**
 * Migrations through the OpenAI provider against the local OpenAI-compatible server, with
 * its faults switched on: the real `openai` client over HTTP, real Temporal, real Elasticsearch.
 */
describe('paid embedding API: faults, budget, bad key, estimate', () => {
  const catalog = SpecCatalog.load();
  let local: EmbeddingProvider;
  const servers: OpenAICompatibleServer[] = [];
  const fixtures: MigrationFixture[] = [];
  const setUp = async (env: Record<string, string> = {}) => {
    const server = await OpenAICompatibleServer.start(local, { apiKey: 'sk-paid-test', models: MODELS });
    servers.push(server);
    const fx = await MigrationFixture.create({ OPENAI_BASE_URL: server.baseURL, OPENAI_API_KEY: server.apiKey, ...env });
    fixtures.push(fx);
    return { server, fx };
  };

  before(async () => {
    local = await new ProviderPool(loadConfig()).get(catalog.get('minilm-l6-v2'));
  });
  after(async () => {
    for (const fx of fixtures) await fx.close();
    for (const s of servers) await s.stop();
  });

  it('survives a 429 storm, 5xx bursts, a malformed body and a reset; every document migrated, spend equals reported usage', async () => {
    const { server, fx } = await setUp({ OPENAI_MAX_INPUTS_PER_REQUEST: '4' });
    await fx.startWorker();
    const collection = await fx.seedCollection(48);
    server.inject({ kind: 'rate-limit', retryAfterMs: 300 }, 6);
    server.inject({ kind: 'server-error', status: 500 }, 3);
    server.inject({ kind: 'server-error', status: 503 }, 2);
    server.inject({ kind: 'malformed' });
    server.inject({ kind: 'reset' });
    server.inject({ kind: 'slow', ms: 500 });
    await fx.client.startMigration({ collection, targetSpecId: TARGET, graceMs: 0, batchSize: 16 });
    const waiting = await fx.client.waitForPhase(collection, ['AWAITING_APPROVAL'], { timeoutMs: 180_000 });
    assert.equal(server.pendingFaults, 0, 'every injected fault was hit');
    assert.deepEqual(waiting.documents, { total: 48, migrated: 48, quarantined: 0, truncated: 0 });
    const source = await fx.contents((await fx.registry.get(collection)).activeIndex);
    assert.deepEqual(await fx.contents(versionedIndexName(collection, catalog.get(TARGET))), source);
    assert.equal(waiting.tokens, server.usageTokens, 'tokens counted = tokens the endpoint reported');
    assert.ok(Math.abs(waiting.spentUsd - (server.usageTokens / 1e6) * catalog.get(TARGET).pricePerMillionTokens) < 1e-12);
    await fx.client.reject(collection, { by: 'test', reason: 'done' });
    await fx.client.result(collection);
  });

  it('pauses at the budget, shows PAUSED, and resumes with more budget without embedding a document twice', async () => {
    // $1,000 per million tokens makes a few thousand tokens worth a budget.
    const { server, fx } = await setUp({ REEMBED_PRICES: `${TARGET}=1000` });
    await fx.startWorker();
    const collection = await fx.seedCollection(40);
    const estimate = await fx.client.estimate(collection, TARGET);
    assert.equal(estimate.pricePerMillionTokens, 1000);
    const budgetUsd = Number((estimate.costUsd * 0.4).toFixed(4));
    await fx.client.startMigration({ collection, targetSpecId: TARGET, graceMs: 0, batchSize: 8, hotFirstLimit: 0, budgetUsd });

    const paused = await fx.client.waitForPhase(collection, ['PAUSED'], { timeoutMs: 120_000 });
    assert.equal(paused.pausedBy, 'budget');
    assert.match(paused.pauseReason ?? '', /budget of \$[\d.]+ reached/);
    assert.ok(paused.spentUsd <= budgetUsd, `spent ${paused.spentUsd} within the budget ${budgetUsd}`);
    assert.ok(paused.documents.migrated > 0 && paused.documents.migrated < 40, `migrated ${paused.documents.migrated} before pausing`);
    await waitFor(async () => (await fx.client.list()).find((m) => m.collection === collection)?.phase === 'PAUSED', 'search attribute PAUSED');
    const status = await fx.client.status(collection);
    assert.equal(status.paused, true);
    assert.equal(status.budgetUsd, budgetUsd);

    await assert.rejects(fx.client.resume(collection, { by: 'finance' }), /refused .*: the budget of \$[\d.]+ is used up to the next batch/);
    await fx.client.resume(collection, { by: 'finance', addBudgetUsd: Number(estimate.costUsd.toFixed(4)) });
    const waiting = await fx.client.waitForPhase(collection, ['AWAITING_APPROVAL'], { timeoutMs: 120_000 });
    assert.equal(waiting.documents.migrated, 40);
    const sampleQueries = waiting.verification!.sampleQueries;
    // Each document once, plus the probe and the verification's sample queries.
    assert.equal(server.embedded.length, 40 + 1 + sampleQueries, 'no document was embedded twice');
    const texts = new Set((await fx.store.scan((await fx.registry.get(collection)).activeIndex, null, 100)).map((d) => d.content));
    assert.equal(server.embedded.filter((t) => texts.has(t)).length, 40 + sampleQueries);
    assert.equal(waiting.tokens, server.usageTokens);
    assert.ok(waiting.spentUsd <= budgetUsd + Number(estimate.costUsd.toFixed(4)));
    await fx.client.reject(collection, { by: 'test', reason: 'done' });
    await fx.client.result(collection);
    await fx.replay(collection, 'paused-at-budget');
  });

  it('a wrong API key pauses the migration with an actionable message; fixing the key and resuming completes it', async () => {
    const { server, fx } = await setUp();
    await fx.startWorker({ OPENAI_API_KEY: 'sk-wrong' });
    const collection = await fx.seedCollection(16);
    await fx.client.startMigration({ collection, targetSpecId: TARGET, graceMs: 0, batchSize: 8 });
    const paused = await fx.client.waitForPhase(collection, ['PAUSED'], { timeoutMs: 60_000 });
    assert.equal(paused.pausedBy, 'provider');
    assert.equal(paused.phase, 'PREPARING');
    assert.match(paused.pauseReason ?? '', /refused our API key \(401.*Fix OPENAI_API_KEY, restart the worker and resume/);
    assert.equal(server.embedded.length, 0);

    await fx.stopWorker();
    await fx.startWorker({ OPENAI_API_KEY: server.apiKey });
    await fx.client.resume(collection, { by: 'ops', reason: 'key rotated' });
    const waiting = await fx.client.waitForPhase(collection, ['AWAITING_APPROVAL'], { timeoutMs: 120_000 });
    assert.deepEqual(waiting.documents, { total: 16, migrated: 16, quarantined: 0, truncated: 0 });
    await fx.client.reject(collection, { by: 'test', reason: 'done' });
    await fx.client.result(collection);
    await fx.replay(collection, 'paused-for-provider-key');
  });

  it('estimates tokens with the model tokenizer (hand-counted), cost, truncation, duration at the configured limits, and disk', async () => {
    const { fx } = await setUp({ OPENAI_RPM: '60', OPENAI_TPM: '6000' });
    const collection = fx.track(`estimate-${Date.now()}`);
    await fx.writer.createCollection(collection, 'minilm-l6-v2', { storeContent: true });
    await fx.writer.upsert(collection, [
      { id: 'a', text: 'tiktoken is great!' }, // cl100k_base: 6 tokens
      { id: 'b', text: 'antidisestablishmentarianism' }, // 6 tokens
      { id: 'c', text: 'hello world' }, // 2 tokens
      { id: 'long', text: 'word '.repeat(9000) }, // over 8,191: truncated to the limit
    ]);
    await fx.store.refresh((await fx.registry.get(collection)).activeIndex);
    const e = await fx.client.estimate(collection, TARGET);
    assert.equal(e.documents, 4);
    assert.equal(e.tokens, 6 + 6 + 2 + 8191);
    assert.equal(e.truncated, 1);
    assert.equal(e.costUsd, (8205 / 1e6) * 0.02);
    // 8,205 tokens at 6,000 per minute; 1 request (4 inputs) at 60 per minute.
    assert.equal(e.durationMs, Math.round((8205 / 6000) * 60_000));
    // int8_hnsw, 256 dims, m 16: float copy 1,024 + int8 copy 260 + graph 64 bytes per vector.
    assert.equal(e.disk.rawVectorBytes, 4 * 1024);
    assert.equal(e.disk.quantizedVectorBytes, 4 * 260);
    assert.equal(e.disk.graphBytes, 4 * 64);
    assert.ok(e.disk.otherBytes > 0 && e.disk.availableBytes > 0 && e.disk.fits);

    const local = await fx.client.estimate(collection, 'minilm-l6-v2-cls');
    // Its own WordPiece tokenizer: "hello world" is [CLS] hello world [SEP], the long text is cut at 128.
    assert.equal(local.truncated, 1);
    assert.ok(local.tokens > 128 + 4 && local.tokens !== e.tokens, `local tokens ${local.tokens}`);
    assert.match(local.durationBasis, /local throughput measured/);
  });
});
