import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createVerificationActivities } from '../../src/activities/verification-activities.js';
import { migrationWorkflowId } from '../../src/migration/input.js';
import type { VerificationReport } from '../../src/migration/reports.js';
import { nextWriteVersion } from '../../src/writer/write-version.js';
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
    const sourceSpec = fx.catalog.get(waiting.sourceSpecId!);
    const unit = (dims: number) => new Array(dims).fill(1 / Math.sqrt(dims));
    // A live write that reached only the old index: its new text, at a newer version than the copy's.
    const changeInSource = (id: string, text: string, version: number) =>
      fx.store.bulkUpsert(input.sourceIndex, sourceSpec, [{ id, vector: unit(sourceSpec.dimensions), sourceHash: text, content: text }], { version });
    await fx.store.deleteDocuments(input.targetIndex, [gone!]);
    await changeInSource(stale!, 'a text the new index never got', nextWriteVersion());
    await fx.store.bulkUpsert(input.targetIndex, spec, [{ id: 'only-in-the-new-index', vector: unit(spec.dimensions), sourceHash: 'x', content: 'x' }]);
    // A write on its way: the old index has it now, the new one a second later, at the same version.
    const version = nextWriteVersion();
    await changeInSource(inFlight!, 'a text on its way', version);
    setTimeout(
      () =>
        void fx.store.bulkUpsert(
          input.targetIndex,
          spec,
          [{ id: inFlight!, vector: unit(spec.dimensions), sourceHash: 'a text on its way', content: 'a text on its way' }],
          { version },
        ),
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
