import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collectionStatus, type StatusSources } from '../../src/client/collection-status.js';
import { backfillRate } from '../../src/migration/progress.js';
import { migrationInputSchema } from '../../src/migration/input.js';
import type { MigrationStatus } from '../../src/migration/status.js';
import { MigrationState } from '../../src/migration/migration-state.js';
import type { CollectionRecord } from '../../src/registry/collection-record.js';
import { idleRecord } from '../helpers/records.js';

const record = idleRecord();

function backfilling(migrated: number, total: number, startedAt: string): MigrationStatus {
  const s = new MigrationState(migrationInputSchema.parse({ collection: 'products', targetSpecId: 'new-spec' }), 'reembed:products');
  s.enter('BACKFILLING', { backfillStartedAt: startedAt, sourceIndex: 'products__old', targetIndex: 'products__new' });
  s.applyChunk({ cursor: 'c', migrated, quarantined: 0, quarantineSample: [], tokens: 0, truncated: 0, done: false });
  return { ...s.status, documents: { ...s.status.documents, total } };
}

const sources = (over: Partial<StatusSources>): StatusSources => ({
  record,
  workflowId: 'reembed:products',
  webUiUrl: 'http://ui',
  aliasTargets: ['products__old'],
  run: null,
  quarantined: [],
  hotSet: null,
  adapters: [],
  nowMs: Date.parse('2026-11-27T10:01:40.000Z'),
  ...over,
});

describe('collection status read model', () => {
  it('a collection never migrated is phase NONE, fully covered, with nothing to estimate', () => {
    const s = collectionStatus(sources({}));
    assert.equal(s.phase, 'NONE');
    assert.equal(s.coverage, 1);
    assert.equal(s.live, false);
    assert.equal(s.docsPerSecond, null);
    assert.equal(s.etaSeconds, null);
    assert.equal(s.aliasTarget, 'products__old');
    assert.equal(s.hotSetMigrated, null);
    assert.equal(s.quality, null);
  });

  it('derives backfill rate and ETA from workflow time since the backfill started', () => {
    const m = backfilling(200, 1000, '2026-11-27T10:00:00.000Z');
    const s = collectionStatus(sources({ run: { status: m, workflowStatus: 'RUNNING', recordedPhase: 'BACKFILLING' }, hotSet: { size: 100, inTarget: 40 } }));
    assert.equal(s.docsPerSecond, 2, '200 documents in 100 s');
    assert.equal(s.etaSeconds, 400, '800 left at 2/s');
    assert.equal(s.hotSetMigrated, 0.4);
    assert.equal(s.targetIndex, 'products__new');
    assert.equal(backfillRate({ ...m, phase: 'VERIFYING' }, Date.now()), null, 'no rate once the backfill is over');
  });

  it('without a worker it falls back on the phase the search attribute recorded, and the registry', () => {
    const migrating: CollectionRecord = {
      ...record,
      migration: {
        workflowId: 'reembed:products',
        sourceSpecId: 'old-spec',
        sourceIndex: 'products__old',
        targetSpecId: 'new-spec',
        targetIndex: 'products__new',
        phase: 'BACKFILLING',
        coverage: 0.3,
        startedAt: record.createdAt,
      },
    };
    const s = collectionStatus(sources({ record: migrating, run: { status: null, workflowStatus: 'RUNNING', recordedPhase: 'PAUSED' } }));
    assert.equal(s.phase, 'PAUSED');
    assert.equal(s.live, false);
    assert.equal(s.targetIndex, 'products__new');
    assert.deepEqual(s.quarantinedDocuments, [], 'nothing is claimed without the workflow');
  });

  it('shows an alias on several indexes (changed by hand) as all of them', () => {
    assert.equal(collectionStatus(sources({ aliasTargets: ['a', 'b'] })).aliasTarget, 'a,b');
    assert.equal(collectionStatus(sources({ aliasTargets: [] })).aliasTarget, null);
  });
});
