import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fingerprint } from '../../src/embedding/model-spec.js';
import { versionedIndexName } from '../../src/store/vector-index-layout.js';
import { MigrationFixture } from '../helpers/migration-fixture.js';

const SOURCE = 'minilm-l6-v2';
const TARGET = 'all-mpnet-base-v2';

/**
 * A real model upgrade that changes the dimension: MiniLM (384-d) to all-mpnet-base-v2
 * (768-d), end to end, with searches routed across the two spaces while it runs.
 */
describe('a 384 → 768 migration with the real mpnet model', () => {
  let fx: MigrationFixture;
  before(async () => {
    fx = await MigrationFixture.create();
    await fx.startWorker();
  });
  after(async () => fx.close());

  it('backfills into a 768-d index, routes queries across both spaces meanwhile, and cuts over', async () => {
    const collection = await fx.seedCollection(40, SOURCE);
    const source = (await fx.registry.get(collection)).activeIndex;
    const target = versionedIndexName(collection, fx.catalog.get(TARGET));
    const router = fx.services.router({ registryCacheMs: 0, strategy: 'rrf' });
    const query = 'health care costs for families';

    const before = await router.search(collection, query, { k: 5 });
    assert.equal(before.route, 'active');
    assert.ok(before.hits.every((h) => h.specId === SOURCE));

    await fx.client.startMigration({ collection, targetSpecId: TARGET, graceMs: 0, batchSize: 4, batchesPerActivity: 1, hotFirstLimit: 0 });
    await fx.client.waitForPhase(collection, ['BACKFILLING'], { timeoutMs: 120_000 });
    await fx.client.pause(collection, { by: 'test', reason: 'look at routing early in the backfill' });
    const paused = await fx.client.waitForPhase(collection, ['PAUSED'], { timeoutMs: 120_000 });
    assert.ok(paused.coverage < 0.5, `coverage ${paused.coverage}`);
    const mapping = await fx.es.indices.getMapping({ index: target });
    assert.equal((mapping[target]!.mappings.properties!.vector as { dims: number }).dims, 768, 'the new index is 768-d from the spec');
    const early = await router.search(collection, query, { k: 5 });
    assert.equal(early.route, 'old-only', 'a thin new index does not serve yet');
    assert.ok(early.hits.every((h) => h.specId === SOURCE && h.index === source));

    await fx.client.resume(collection, { by: 'test' });
    const waiting = await fx.client.waitForPhase(collection, ['AWAITING_APPROVAL'], { timeoutMs: 600_000 });
    assert.equal(waiting.documents.migrated, 40);
    assert.equal(waiting.verification?.ok, true, JSON.stringify(waiting.verification));
    const merged = await router.search(collection, query, { k: 10 });
    assert.equal(merged.route, 'merged');
    assert.deepEqual(new Set(merged.hits.map((h) => h.specId)), new Set([SOURCE, TARGET]), 'each space searched with its own query vector');

    await fx.client.approve(collection, { approver: 'alice' });
    await fx.client.waitForPhase(collection, ['RETENTION'], { timeoutMs: 120_000 });
    assert.deepEqual(await fx.aliases.targets(collection), [target]);
    assert.deepEqual(Object.fromEntries(await fx.store.fingerprints(target)), { [fingerprint(fx.catalog.get(TARGET))]: 40 });
    const after = await router.search(collection, query, { k: 5 });
    assert.equal(after.route, 'active');
    assert.ok(after.hits.length === 5 && after.hits.every((h) => h.specId === TARGET && h.index === target));
    await fx.client.endRetention(collection, { by: 'test' });
    assert.equal((await fx.client.result(collection)).phase, 'COMPLETED');
  });
});
