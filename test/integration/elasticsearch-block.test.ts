import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { versionedIndexName } from '../../src/store/vector-index-layout.js';
import { withWorkerFixture } from '../helpers/migration-fixture.js';

const TARGET = 'minilm-l6-v2-cls';
const BLOCK = 'index.blocks.read_only_allow_delete';
/** Batches of 8, one per activity: the block lands after the first of 19. */
const DOCUMENTS = 150;

/**
 * Disk pressure: at the flood-stage watermark Elasticsearch puts a read-only-allow-delete
 * block on every index on the node. A migration writing into a blocked index must pause with
 * a reason an operator can act on, not burn its retries into FAILED.
 */
describe('an Elasticsearch write block on the new index', () => {
  const fixture = withWorkerFixture();

  it('pauses the backfill (pausedBy elasticsearch); lifting it and resuming completes with exact parity', async () => {
    const fx = fixture();
    const collection = await fx.seedCollection(DOCUMENTS);
    const source = (await fx.registry.get(collection)).activeIndex;
    const target = versionedIndexName(collection, fx.catalog.get(TARGET));
    await fx.client.startMigration({ collection, targetSpecId: TARGET, graceMs: 0, batchSize: 8, batchesPerActivity: 1 });
    for (let migrated = 0; migrated === 0;) {
      await new Promise((r) => setTimeout(r, 50));
      migrated = (await fx.client.status(collection)).documents.migrated;
    }
    // What the flood-stage watermark does to an index, set by hand.
    await fx.es.indices.putSettings({ index: target, settings: { [BLOCK]: true } });

    const paused = await fx.client.waitForPhase(collection, ['PAUSED', 'FAILED', 'AWAITING_APPROVAL'], { timeoutMs: 60_000 });
    assert.equal(paused.phase, 'BACKFILLING', paused.error ?? 'the block came after the backfill: use a larger corpus');
    assert.equal(paused.pausedBy, 'elasticsearch');
    assert.match(paused.pauseReason!, new RegExp(`Elasticsearch refuses writes to ${target}: .*read-only-allow-delete.*free disk space`));
    assert.match(paused.pauseReason!, /reembed resume/);
    assert.ok(paused.documents.migrated < DOCUMENTS, 'paused mid-backfill');
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal((await fx.client.status(collection)).migration?.paused, true, 'it waits for the operator, not for retries');

    await fx.es.indices.putSettings({ index: target, settings: { [BLOCK]: null } });
    await fx.client.resume(collection, { by: 'ops', reason: 'disk freed' });
    const waiting = await fx.client.waitForPhase(collection, ['AWAITING_APPROVAL'], { timeoutMs: 120_000 });
    assert.equal(waiting.documents.migrated, DOCUMENTS);
    await fx.store.refresh(target);
    assert.deepEqual(await fx.contents(target), await fx.contents(source), 'every document once, with its text hash');
    await fx.client.reject(collection, { by: 'test', reason: 'done' });
  });
});
