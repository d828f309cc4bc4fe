import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { currentDetails } from '../../src/migration/current-details.js';
import { migrationInputSchema } from '../../src/migration/input.js';
import { MigrationState } from '../../src/migration/migration-state.js';
import { nextAction } from '../../src/migration/next-action.js';
import type { VerificationReport } from '../../src/migration/reports.js';
import { NO_SOURCE_TEXT_REASON } from '../../src/migration/status.js';
import { OTHER_REASONS, unsearchableDocuments } from '../../src/migration/unsearchable.js';

const input = migrationInputSchema.parse({ collection: 'products', targetSpecId: 'minilm-l6-v2-cls' });

function verification(quarantined: { docId: string; reason: string }[], inNewIndex: string[]): VerificationReport {
  return {
    ok: true,
    sourceCount: 100,
    targetCount: 100 - quarantined.length + inNewIndex.length,
    quarantined: quarantined.length,
    coverage: 1,
    fingerprints: {},
    sampleQueries: 5,
    sampleHits: 5,
    problems: [],
    tokens: 0,
    unsearchableAfterCutover: unsearchableDocuments(quarantined, new Set(inNewIndex)),
  };
}

function awaitingApprovalWith(report: VerificationReport): MigrationState {
  const s = new MigrationState(input, 'reembed:products');
  s.enter('VERIFYING');
  s.verified(report);
  s.enter('AWAITING_APPROVAL');
  return s;
}

const noText = (id: string) => ({ docId: id, reason: NO_SOURCE_TEXT_REASON });

describe('documents that would vanish at the cutover', () => {
  it('counts the quarantined documents the new index lacks, in id order, by reason', () => {
    const u = unsearchableDocuments([noText('d3'), { docId: 'd1', reason: 'the provider refused it' }, noText('d2'), noText('d9')], new Set(['d9']));
    assert.deepEqual(u, { count: 3, ids: ['d1', 'd2', 'd3'], reasons: { [NO_SOURCE_TEXT_REASON]: 2, 'the provider refused it': 1 } });
    assert.deepEqual(unsearchableDocuments([], new Set()), { count: 0, ids: [], reasons: {} });
  });

  it('names at most 20 ids and 10 reasons, counting the rest together', () => {
    const many = Array.from({ length: 30 }, (_, i) => ({ docId: `d${String(i).padStart(2, '0')}`, reason: `reason ${i % 12}` }));
    const u = unsearchableDocuments(many, new Set());
    assert.equal(u.count, 30);
    assert.equal(u.ids.length, 20);
    assert.equal(Object.keys(u.reasons).length, 11);
    assert.equal(
      Object.values(u.reasons).reduce((a, b) => a + b, 0),
      30,
    );
    assert.equal(u.reasons[OTHER_REASONS], 4, 'the two least common reasons, two documents each');
  });

  it('refuses an approval that does not acknowledge them, says so in the Web UI, and accepts one that does', () => {
    const s = awaitingApprovalWith(verification([noText('a'), noText('b')], []));
    assert.deepEqual(s.status.unsearchableAfterCutover?.ids, ['a', 'b']);
    const reason = s.refusal('approveCutover', { approver: 'alice' });
    assert.match(
      reason ?? '',
      /^2 document\(s\) \(a, b\) would stop being searchable after the cutover: the new index lacks them \(2 × the source stores no text for this document\)\. To cut over anyway, approve with "acknowledgeMissing": true \(reembed approve --acknowledge-missing\)/,
    );
    assert.match(nextAction('products', s.status) ?? '', /reembed approve products --approver <name> --acknowledge-missing/);
    const details = currentDetails(s.status, Date.now());
    assert.match(details, /\*\*Not searchable after the cutover:\*\* 2 document\(s\)/);
    assert.ok(details.includes('`{"approver":"your name","acknowledgeMissing":true}`'), details);
    s.signal('approveCutover', { approver: 'alice', acknowledgeMissing: true });
    assert.equal(s.status.approval?.acknowledgeMissing, true, 'the acknowledgement is recorded with the approval');
  });

  it('asks nothing when every quarantined document reached the new index, or for reports from before the rule', () => {
    const adapted = awaitingApprovalWith(verification([noText('a')], ['a']));
    assert.equal(adapted.status.unsearchableAfterCutover?.count, 0);
    assert.equal(adapted.refusal('approveCutover', { approver: 'alice' }), null);
    const { unsearchableAfterCutover: _gone, ...older } = verification([noText('a')], []);
    const legacy = awaitingApprovalWith(older);
    assert.equal(legacy.status.unsearchableAfterCutover, undefined);
    assert.equal(legacy.refusal('approveCutover', { approver: 'alice' }), null);
  });
});
