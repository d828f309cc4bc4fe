import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { abandoned, completed, coverageRecorded, cutOver, migrationStarted, phaseRecorded, rolledBack } from '../../src/migration/registry-transitions.js';
import { idleRecord } from '../helpers/records.js';

const at = '2026-11-27T10:00:00.000Z';
const idle = idleRecord();
const m = { workflowId: 'reembed:products', sourceIndex: 'products__old', targetIndex: 'products__new', targetSpecId: 'new-spec' };
const started = migrationStarted({ ...m, sourceSpecId: 'old-spec', startedAt: at }).change(idle);

describe('registry transitions of a migration', () => {
  it('starting records the migration and dual-writes both indexes', () => {
    assert.equal(started.migration?.phase, 'PREPARING');
    assert.equal(started.migration?.coverage, 0);
    assert.deepEqual(started.writeTargets, [
      { index: 'products__old', specId: 'old-spec' },
      { index: 'products__new', specId: 'new-spec' },
    ]);
    assert.equal(started.activeIndex, 'products__old', 'nothing serves from the new index yet');
  });

  it('phase and coverage change only the migration that owns the record', () => {
    assert.equal(phaseRecorded(m.workflowId, 'BACKFILLING').change(started).migration?.phase, 'BACKFILLING');
    assert.equal(coverageRecorded(m.workflowId, 0.4).change(started).migration?.coverage, 0.4);
    assert.equal(phaseRecorded('reembed:other', 'BACKFILLING').change(started), started, 'identity: the registry writes nothing');
    assert.equal(coverageRecorded('reembed:other', 1).change(idle), idle);
    assert.equal(coverageRecorded(m.workflowId, 0.4).refresh, false, 'coverage is read by id (real-time): no refresh per backfill activity');
    assert.equal(phaseRecorded(m.workflowId, 'VERIFYING').refresh, undefined, 'other changes are refreshed so searches see them');
  });

  it('cutover makes the target active and keeps writing the old index for rollback', () => {
    const t = cutOver({ ...m, approver: 'alice' });
    const after = t.change(started);
    assert.equal(after.activeIndex, 'products__new');
    assert.equal(after.activeSpecId, 'new-spec');
    assert.deepEqual(after.writeTargets, [
      { index: 'products__new', specId: 'new-spec' },
      { index: 'products__old', specId: 'old-spec' },
    ]);
    assert.equal(after.migration?.phase, 'RETENTION');
    assert.deepEqual(t.event, { event: 'cutover', detail: { workflowId: m.workflowId, from: 'products__old', to: 'products__new', approver: 'alice' } });
  });

  it('rollback restores the old index and its spec alone', () => {
    const inRetention = cutOver({ ...m, approver: 'alice' }).change(started);
    const back = rolledBack({ ...m, by: 'bob', reason: 'worse results' }).change(inRetention);
    assert.equal(back.activeIndex, 'products__old');
    assert.equal(back.activeSpecId, 'old-spec');
    assert.deepEqual(back.writeTargets, [{ index: 'products__old', specId: 'old-spec' }]);
    assert.equal(back.migration, null);
  });

  it('completion stops writing the old index', () => {
    const done = completed(m).change(cutOver({ ...m, approver: 'alice' }).change(started));
    assert.deepEqual(done.writeTargets, [{ index: 'products__new', specId: 'new-spec' }]);
    assert.equal(done.migration, null);
    assert.equal(done.activeIndex, 'products__new');
  });

  it('abandoning before cutover turns dual-write off and leaves the active index', () => {
    const t = abandoned(m.workflowId, 'REJECTED', 'not now');
    const after = t.change(started);
    assert.deepEqual(after.writeTargets, [{ index: 'products__old', specId: 'old-spec' }]);
    assert.equal(after.migration, null);
    assert.equal(t.event?.event, 'rejected');
    assert.equal(abandoned('reembed:other', 'FAILED', 'x').change(started), started);
  });
});
