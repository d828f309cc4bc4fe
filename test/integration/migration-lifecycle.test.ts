import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fingerprint } from '../../src/embedding/model-spec.js';
import { versionedIndexName } from '../../src/store/vector-index-layout.js';
import { MigrationFixture } from '../helpers/migration-fixture.js';
import { waitFor } from '../helpers/services.js';

const TARGET = 'minilm-l6-v2-cls';

describe('migration lifecycle on the dev server and Elasticsearch', () => {
  let fx: MigrationFixture;
  before(async () => {
    fx = await MigrationFixture.create();
    await fx.startWorker();
  });
  after(async () => fx.close());

  it('backfills, waits for approval without touching the alias, cuts over, and cleans up after retention', async () => {
    const collection = await fx.seedCollection(120);
    const source = (await fx.registry.get(collection)).activeIndex;
    const target = versionedIndexName(collection, fx.catalog.get(TARGET));
    // Legacy documents another tool wrote without usable text: quarantined, never dropped.
    await fx.store.bulkUpsert(source, fx.catalog.get('minilm-l6-v2'), [
      { id: 'zz-empty', vector: new Float32Array(384).fill(0.05), sourceHash: 'e', content: '  ' },
      { id: 'zz-no-text', vector: new Float32Array(384).fill(0.05), sourceHash: 'n' },
    ]);
    await fx.store.refresh(source);
    const sourceDocs = await fx.contents(source);

    await fx.client.startMigration({ collection, targetSpecId: TARGET, graceMs: 0, batchSize: 16, batchesPerActivity: 2 });
    await assert.rejects(fx.client.startMigration({ collection, targetSpecId: TARGET }), /already has a migration running/);

    const waiting = await fx.client.waitForPhase(collection, ['AWAITING_APPROVAL'], { timeoutMs: 180_000 });
    assert.deepEqual(await fx.aliases.targets(collection), [source], 'no alias change before approval');
    assert.equal(waiting.documents.quarantined, 2);
    assert.equal(waiting.documents.migrated, 120);
    assert.equal(waiting.coverage, 1);
    assert.equal(waiting.verification?.ok, true, JSON.stringify(waiting.verification));
    const status = await fx.client.status(collection);
    assert.deepEqual(new Set(status.quarantinedDocuments.map((q) => q.id)), new Set(['zz-empty', 'zz-no-text']));
    assert.deepEqual(
      status.writeTargets.map((t) => t.index),
      [source, target],
      'dual-write during the migration',
    );

    // Quarantined and so missing from the new index: the approval must say it knows.
    assert.deepEqual(waiting.unsearchableAfterCutover?.ids, ['zz-empty', 'zz-no-text']);
    await assert.rejects(fx.client.approve(collection, { approver: 'alice' }), /2 document\(s\) \(zz-empty, zz-no-text\) would stop being searchable/);
    await fx.client.approve(collection, { approver: 'alice', note: 'quality looks fine', acknowledgeMissing: true });
    const retained = await fx.client.waitForPhase(collection, ['RETENTION'], { timeoutMs: 60_000 });
    assert.equal(retained.approval?.approver, 'alice');
    assert.deepEqual(await fx.aliases.targets(collection), [target]);
    const record = await fx.registry.get(collection);
    assert.equal(record.activeIndex, target);
    assert.deepEqual(
      record.writeTargets.map((t) => t.index),
      [target, source],
      'old index still written in retention',
    );
    // After the cutover an activity of its own samples drift canaries from the new index, with the vectors it stores.
    await waitFor(async () => (await fx.services.canaries.set(collection)).some((c) => c.index === target), 'a canary set of the new index');
    const canaries = await fx.services.canaries.set(collection);
    assert.ok(canaries.some((c) => c.source === 'document') && canaries.every((c) => c.index === target && c.specId === TARGET));

    const migrated = await fx.contents(target);
    assert.deepEqual(new Set(migrated.keys()), new Set([...sourceDocs.keys()].filter((id) => !id.startsWith('zz-'))));
    for (const [id, hash] of migrated) assert.equal(hash, sourceDocs.get(id));
    assert.deepEqual([...(await fx.store.fingerprints(target)).keys()], [fingerprint(fx.catalog.get(TARGET))]);

    await fx.client.endRetention(collection, { by: 'alice' });
    const { phase } = await fx.client.result(collection);
    assert.equal(phase, 'COMPLETED');
    assert.equal(await fx.store.exists(source), false, 'old index deleted after retention');
    assert.equal(await fx.store.exists(target), true);
    assert.deepEqual(
      (await fx.registry.get(collection)).writeTargets.map((t) => t.index),
      [target],
    );
    const history = await fx.replay(collection, 'completed-with-quarantine');
    // 120 vectors of 384 floats would be ~500 kB of JSON; cursors and counts are tiny.
    assert.ok(JSON.stringify(history).length < 150_000, 'no vectors in workflow history');
  });

  it('rejection leaves the alias untouched and removes the new index; bad payloads are refused and recorded', async () => {
    const collection = await fx.seedCollection(40);
    const source = (await fx.registry.get(collection)).activeIndex;
    const target = versionedIndexName(collection, fx.catalog.get(TARGET));
    await fx.client.startMigration({ collection, targetSpecId: TARGET, graceMs: 3_600_000 });
    await fx.client.waitForPhase(collection, ['AWAITING_APPROVAL'], { timeoutMs: 120_000 });

    await assert.rejects(fx.client.approve(collection, { approver: '' }), /approver is required/);
    const handle = (await import('../../src/client/temporal-client.js')).connectTemporal;
    const temporal = await handle(fx.config);
    const raw = temporal.client.workflow.getHandle(`reembed:${collection}`);
    await raw.signal('approveCutover', { who: 'mallory' });
    // Sent around our client: a 1.5 MB note reaches the workflow, which refuses it; over Temporal's 2 MB payload limit the server refuses it.
    await raw.signal('approveCutover', { approver: 'mallory', note: 'x'.repeat(1_500_000) });
    await assert.rejects(raw.signal('approveCutover', { approver: 'eve', note: 'x'.repeat(3 * 1024 * 1024) }));
    await temporal.close();
    await assert.rejects(fx.client.approve(collection, { approver: 'bob', note: 'x'.repeat(3_000) }), /note is longer than 2000 characters/);
    await fx.client.approve(collection, { approver: 'bob' });
    const grace = await fx.client.waitForPhase(collection, ['GRACE_PERIOD'], { timeoutMs: 30_000 });
    assert.match(grace.refusedSignals[0]?.reason ?? '', /invalid payload \(approver: /);
    assert.match(grace.refusedSignals[1]?.reason ?? '', /invalid payload \(note: note is longer than 2000 characters\)/);
    assert.equal(grace.approval?.approver, 'bob', 'the workflow stayed healthy');
    assert.ok(JSON.stringify(grace).length < 20_000, 'no refused payload is kept in the status');

    await fx.client.reject(collection, { by: 'carol', reason: 'recall dropped on golden queries' });
    const { phase, status } = await fx.client.result(collection);
    assert.equal(phase, 'REJECTED');
    assert.equal(status.rejection?.by, 'carol');
    assert.deepEqual(await fx.aliases.targets(collection), [source]);
    assert.equal(await fx.store.exists(target), false);
    const record = await fx.registry.get(collection);
    assert.equal(record.migration, null);
    assert.deepEqual(
      record.writeTargets.map((t) => t.index),
      [source],
    );
    await fx.replay(collection, 'rejected-in-grace-period');
  });

  it('rollback during retention restores the old index with the writes made meanwhile', async () => {
    const collection = await fx.seedCollection(40);
    const source = (await fx.registry.get(collection)).activeIndex;
    const target = versionedIndexName(collection, fx.catalog.get(TARGET));
    await fx.client.startMigration({ collection, targetSpecId: TARGET, graceMs: 0 });
    await fx.client.waitForPhase(collection, ['AWAITING_APPROVAL'], { timeoutMs: 120_000 });
    await fx.client.approve(collection, { approver: 'dave' });
    await fx.client.waitForPhase(collection, ['RETENTION'], { timeoutMs: 60_000 });

    const written = await fx.writer.upsert(collection, [
      { id: 'after-cutover-1', text: 'A new bridge opened across the river this spring.' },
      { id: 'after-cutover-2', text: 'Farmers reported a record harvest of wheat.' },
    ]);
    assert.equal(written.written, 2);
    await fx.writer.delete(collection, [[...(await fx.contents(source)).keys()][0]!]);

    await fx.client.rollback(collection, { by: 'erin', reason: 'latency regression' });
    const { phase } = await fx.client.result(collection);
    assert.equal(phase, 'ROLLED_BACK');
    assert.deepEqual(await fx.aliases.targets(collection), [source]);
    const restored = await fx.contents(source);
    assert.ok(restored.has('after-cutover-1') && restored.has('after-cutover-2'), 'writes made during retention are in the old index');
    assert.equal(restored.size, 40 - 1 + 2);
    // The rollback took a fresh canary set of the index it restored.
    const restoredCanaries = await fx.services.canaries.set(collection);
    assert.ok(restoredCanaries.length > 0 && restoredCanaries.every((c) => c.index === source && c.specId !== TARGET));
    assert.equal(await fx.store.exists(target), false);
    const record = await fx.registry.get(collection);
    assert.equal(record.activeIndex, source);
    assert.deepEqual(
      record.writeTargets.map((t) => t.index),
      [source],
    );
    await fx.replay(collection, 'rolled-back');
  });
});
