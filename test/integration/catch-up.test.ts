import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sourceHash } from '../../src/corpus/source-hash.js';
import { versionedIndexName } from '../../src/store/vector-index-layout.js';
import { MigrationFixture } from '../helpers/migration-fixture.js';
import { waitFor } from '../helpers/services.js';

const TARGET = 'minilm-l6-v2-cls';

describe('catch-up after writes that bypassed dual-write', () => {
  let fx: MigrationFixture;
  before(async () => {
    fx = await MigrationFixture.create();
    await fx.startWorker();
  });
  after(async () => fx.close());

  it('re-embeds changed documents, removes deleted ones and adds missed ones until source and target agree', async () => {
    const collection = await fx.seedCollection(60);
    const source = (await fx.registry.get(collection)).activeIndex;
    const target = versionedIndexName(collection, fx.catalog.get(TARGET));
    await fx.client.startMigration({ collection, targetSpecId: TARGET, graceMs: 0, batchSize: 10, batchesPerActivity: 1 });
    await fx.client.waitForPhase(collection, ['BACKFILLING'], { timeoutMs: 60_000 });
    await waitFor(async () => (await fx.client.status(collection)).documents.migrated >= 10, '10 documents migrated', 60_000, 50);
    await fx.client.pause(collection, { by: 'test', reason: 'simulate a writer with a stale registry cache' });
    const paused = await fx.client.waitForPhase(collection, ['BACKFILLING'], { timeoutMs: 10_000 });
    assert.equal(paused.paused, true);
    await new Promise((r) => setTimeout(r, 1500)); // the in-flight batch finishes
    const copied = [...(await fx.contents(target)).keys()].sort();
    assert.ok(copied.length > 0 && copied.length < 60, `paused after ${copied.length} documents`);

    // Writes a service made to the old index only (its registry cache predated the migration).
    const sourceSpec = fx.catalog.get('minilm-l6-v2');
    const provider = await fx.services.providers.get(sourceSpec);
    const changedIds = copied.slice(0, 3);
    const changed = changedIds.map((id) => ({ id, text: `Rewritten passage ${id}: the treaty was ratified after a long debate.` }));
    const added = [{ id: '0000-added-early', text: 'A document that sorts before every copied one.' }];
    const docs = [...changed, ...added];
    const { vectors } = await provider.embed(
      docs.map((d) => d.text),
      'document',
    );
    await fx.store.bulkUpsert(
      source,
      sourceSpec,
      docs.map((d, i) => ({ id: d.id, vector: vectors[i]!, sourceHash: sourceHash(d.text), content: d.text })),
    );
    const deletedIds = copied.slice(3, 5);
    await fx.store.deleteDocuments(source, deletedIds);
    await fx.store.refresh(source);

    await fx.client.resume(collection, { by: 'test' });
    const done = await fx.client.waitForPhase(collection, ['AWAITING_APPROVAL'], { timeoutMs: 180_000 });
    assert.ok(done.catchUp.reembedded >= changed.length + added.length, JSON.stringify(done.catchUp));
    assert.equal(done.catchUp.deleted, deletedIds.length);

    const sourceDocs = await fx.contents(source);
    const targetDocs = await fx.contents(target);
    assert.deepEqual([...targetDocs.entries()].sort(), [...sourceDocs.entries()].sort(), 'target equals source: ids and text hashes');
    for (const id of deletedIds) assert.ok(!targetDocs.has(id), `${id} not resurrected`);
    assert.equal(done.verification?.ok, true);

    await fx.client.reject(collection, { by: 'test', reason: 'done' });
    await fx.client.result(collection);
  });
});
