import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createVerificationActivities } from '../../src/activities/verification-activities.js';
import { migrationWorkflowId } from '../../src/migration/input.js';
import type { VerificationReport } from '../../src/migration/reports.js';
import { withWorkerFixture } from '../helpers/migration-fixture.js';

const TARGET = 'minilm-l6-v2-cls';

/**
 * Verification against real indexes: real gaps fail it, a write still on its way to the new
 * index does not. Run as an activity (Temporal's activity test environment) on a migration
 * waiting for approval, after its indexes were changed behind its back.
 */
describe('verification of the new index', () => {
  const fixture = withWorkerFixture();

  it('names documents missing, stale or extra in the new index, and lets a write in flight through', async () => {
    const fx = fixture();
    const collection = await fx.seedCollection(30);
    await fx.client.startMigration({ collection, targetSpecId: TARGET, graceMs: 0 });
    const waiting = await fx.client.waitForPhase(collection, ['AWAITING_APPROVAL'], { timeoutMs: 120_000 });
    const input = {
      collection,
      workflowId: migrationWorkflowId(collection),
      sourceIndex: waiting.sourceIndex!,
      targetIndex: waiting.targetIndex!,
      targetSpecId: TARGET,
    };
    const { verifyMigration } = createVerificationActivities(fx.services.migrationDeps());
    const verify = (): Promise<VerificationReport> => new MockActivityEnvironment().run(verifyMigration, input);
    assert.equal((await verify()).ok, true, 'complete after the migration');

    const [gone, stale, inFlight] = [...(await fx.contents(input.sourceIndex)).keys()];
    const spec = fx.catalog.get(TARGET);
    const copy = (await fx.store.getMany(input.targetIndex, [stale!, inFlight!])).get(stale!)!;
    const vector = new Array(spec.dimensions).fill(1 / Math.sqrt(spec.dimensions));
    await fx.store.deleteDocuments(input.targetIndex, [gone!]);
    await fx.store.bulkUpsert(input.targetIndex, spec, [{ id: stale!, vector, sourceHash: 'an older text', content: copy.content! }]);
    await fx.store.bulkUpsert(input.targetIndex, spec, [{ id: 'only-in-the-new-index', vector, sourceHash: 'x', content: 'x' }]);
    // A write on its way: the new index holds older text now and gets the source's a second later.
    const current = (await fx.store.getMany(input.sourceIndex, [inFlight!])).get(inFlight!)!;
    await fx.store.bulkUpsert(input.targetIndex, spec, [{ id: inFlight!, vector, sourceHash: 'about to be replaced', content: 'old' }]);
    setTimeout(
      () => void fx.store.bulkUpsert(input.targetIndex, spec, [{ id: inFlight!, vector, sourceHash: current.sourceHash, content: current.content! }]),
      1000,
    );

    const report = await verify();
    assert.equal(report.ok, false);
    const text = report.problems.join('; ');
    assert.match(text, /2 source document\(s\) are neither in the new index \(with the same text\) nor quarantined/);
    assert.ok(text.includes(gone!) || text.includes(stale!), text);
    assert.doesNotMatch(text, new RegExp(inFlight!), 'the write in flight is not a gap');
    assert.match(text, /1 document\(s\) in the new index are gone from the source, e\.g\. only-in-the-new-index/);
    await fx.client.reject(collection, { by: 'test', reason: 'done' });
  });
});
