import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { migrationInputSchema } from '../../src/migration/input.js';
import type { CatchUpReport, ChunkReport, Prepared } from '../../src/migration/reports.js';
import { coverage } from '../../src/migration/coverage.js';
import { MAX_CATCH_UP_PASSES, MigrationState } from '../../src/migration/migration-state.js';

const input = migrationInputSchema.parse({ collection: 'products', targetSpecId: 'minilm-l6-v2-cls' });

function prepared(totalDocuments: number, pricePerMillionTokens: number): Prepared {
  const disk = { rawVectorBytes: 0, quantizedVectorBytes: 0, graphBytes: 0, otherBytes: 0, totalBytes: 0, usableBytes: 1, availableBytes: 1, fits: true };
  const estimate = {
    specId: 't',
    documents: totalDocuments,
    tokens: 5000,
    truncated: 0,
    withoutText: 0,
    pricePerMillionTokens,
    costUsd: 0,
    durationMs: null,
    durationBasis: '',
    disk,
  };
  return { sourceSpecId: 'a', sourceIndex: 's', targetIndex: 't', estimate, probeTokens: 0 };
}

const chunk = (tokens: number, extra: Partial<ChunkReport> = {}): ChunkReport => ({
  cursor: 'c',
  migrated: 1,
  quarantined: 0,
  quarantineSample: [],
  tokens,
  truncated: 0,
  done: false,
  ...extra,
});

function stateIn(phase: Parameters<MigrationState['enter']>[0]): MigrationState {
  const s = new MigrationState(input, 'reembed:products');
  s.enter(phase);
  return s;
}

describe('migration rules', () => {
  it('dates the backfill from when copying begins, not from entering the phase', async () => {
    const s = new MigrationState(input, 'reembed:products');
    s.enter('BACKFILLING');
    assert.equal(s.status.backfillStartedAt, undefined, 'no rate to show while the phase is being recorded');
    await new Promise((r) => setTimeout(r, 5));
    s.backfillBegins();
    assert.ok(Date.parse(s.status.backfillStartedAt!) > Date.parse(s.status.phaseStartedAt!));
  });

  it('accepts approval only while awaiting it, once', () => {
    const early = stateIn('BACKFILLING');
    early.signal('approveCutover', { approver: 'alice' });
    assert.equal(early.approved, false);
    assert.match(early.status.refusedSignals[0]!.reason, /only possible in AWAITING_APPROVAL; the migration is in BACKFILLING/);
    assert.equal(early.status.refusedSignals[0]!.by, 'alice');

    const waiting = stateIn('AWAITING_APPROVAL');
    waiting.signal('approveCutover', { approver: 'alice', note: 'ok' });
    assert.equal(waiting.status.approval?.approver, 'alice');
    waiting.signal('approveCutover', { approver: 'bob' });
    assert.equal(waiting.status.approval?.approver, 'alice', 'the first decision stands');
    assert.match(waiting.status.refusedSignals.at(-1)!.reason, /already made/);
  });

  it('with four eyes, waits for the required number of distinct, allowed approvers', () => {
    const fourEyes = migrationInputSchema.parse({ collection: 'products', targetSpecId: 'minilm-l6-v2-cls', approvals: 2, approvers: ['alice', 'bob'] });
    const s = new MigrationState(fourEyes, 'reembed:products');
    s.enter('AWAITING_APPROVAL');
    s.signal('approveCutover', { approver: 'alice', note: 'metrics fine' });
    assert.equal(s.approved, false, 'one of two');
    assert.deepEqual(
      s.status.approvals?.map((a) => a.approver),
      ['alice'],
    );
    s.signal('approveCutover', { approver: 'alice' });
    assert.match(s.status.refusedSignals.at(-1)!.reason, /alice has approved already; the cutover needs 2 distinct approvers \(1 so far\)/);
    s.signal('approveCutover', { approver: 'mallory' });
    assert.match(s.status.refusedSignals.at(-1)!.reason, /mallory is not among the approvers of this migration \(alice, bob\)/);
    assert.equal(s.approved, false);
    s.signal('approveCutover', { approver: 'bob' });
    assert.equal(s.approved, true);
    assert.equal(s.status.approval?.approver, 'bob', 'the approval that completed the decision');
    assert.deepEqual(
      s.status.approvals?.map((a) => a.approver),
      ['alice', 'bob'],
    );
  });

  it('as an Update: the validator rule refuses without recording anything, and an accepted action says what happens next', () => {
    const fourEyes = migrationInputSchema.parse({ collection: 'products', targetSpecId: 'minilm-l6-v2-cls', approvals: 2 });
    const s = new MigrationState(fourEyes, 'reembed:products');
    s.enter('BACKFILLING', { sourceIndex: 'products__old' });
    assert.match(s.refusal('approveCutover', { approver: 'alice' })!, /only possible in AWAITING_APPROVAL; the migration is in BACKFILLING/);
    assert.match(s.refusal('approveCutover', {})!, /^invalid payload \(approver: /);
    assert.deepEqual(s.status.refusedSignals, [], 'a refused Update leaves no trace in the state');
    assert.deepEqual(s.perform('pause', { by: 'ops' }), {
      action: 'pause',
      phase: 'BACKFILLING',
      next: 'the migration pauses after the current batch; reembed resume products goes on from there',
    });
    assert.equal(s.paused, true);
    assert.match(s.perform('resume', { by: 'ops' }).next, /goes on from where it paused/);

    s.enter('AWAITING_APPROVAL');
    const first = s.perform('approveCutover', { approver: 'alice' });
    assert.deepEqual(first.approvals, { given: 1, required: 2 });
    assert.equal(first.cutoverAt, undefined);
    assert.match(first.next, /1 more distinct approver\(s\) needed/);
    const second = s.perform('approveCutover', { approver: 'bob' });
    assert.deepEqual(second.approvals, { given: 2, required: 2 });
    assert.equal(s.approved, true);
    assert.match(second.next, /the grace period starts; the read alias moves to the new index at its end unless rejected before/);
    assert.match(s.perform('rejectCutover', { by: 'carol', reason: 'no' }).next, /alias stays on products__old/);
    assert.throws(() => s.perform('rejectCutover', { by: '' }), /invalid payload/);
  });

  it('refuses oversized signal payloads and keeps no more than a short name of them', () => {
    const s = stateIn('AWAITING_APPROVAL');
    s.signal('approveCutover', { approver: 'alice', note: 'x'.repeat(2 * 1024 * 1024) });
    s.signal('rejectCutover', { by: 'y'.repeat(100_000), reason: 'too long a name' });
    assert.equal(s.approved, false);
    assert.equal(s.rejected, false);
    const [note, name] = s.status.refusedSignals;
    assert.match(note!.reason, /invalid payload \(note: note is longer than 2000 characters\)/);
    assert.match(name!.reason, /by: by is longer than 200 characters/);
    assert.ok(JSON.stringify(s.status).length < 5_000, 'the status stays small');
  });

  it('records invalid payloads instead of throwing', () => {
    const s = stateIn('AWAITING_APPROVAL');
    for (const bad of [null, 'yes', { approver: '' }, { approver: 42 }, { who: 'x' }]) s.signal('approveCutover', bad);
    assert.equal(s.approved, false);
    assert.equal(s.status.refusedSignals.length, 5);
    assert.ok(s.status.refusedSignals.every((r) => r.reason.startsWith('invalid payload')));
    s.signal('rejectCutover', { by: 'carol' });
    assert.match(s.status.refusedSignals.at(-1)!.reason, /reason: /);
    assert.equal(s.rejected, false);
  });

  it('keeps only the most recent refusals', () => {
    const s = stateIn('BACKFILLING');
    for (let i = 0; i < 50; i++) s.signal('rollback', { by: `user${i}` });
    assert.equal(s.status.refusedSignals.length, 20);
    assert.equal(s.status.refusedSignals.at(-1)!.by, 'user49');
  });

  it('allows rejection until cutover and not after', () => {
    for (const phase of ['BACKFILLING', 'VERIFYING', 'AWAITING_APPROVAL', 'GRACE_PERIOD'] as const) {
      const s = stateIn(phase);
      s.signal('rejectCutover', { by: 'carol', reason: 'no' });
      assert.equal(s.rejected, true, phase);
    }
    const after = stateIn('RETENTION');
    after.signal('rejectCutover', { by: 'carol', reason: 'too late' });
    assert.equal(after.rejected, false);
    assert.match(after.status.refusedSignals[0]!.reason, /only possible before cutover/);
  });

  it('pauses and resumes only the backfill and catch-up', () => {
    const s = stateIn('BACKFILLING');
    s.signal('pause', { by: 'ops', reason: 'peak traffic' });
    assert.equal(s.paused, true);
    assert.equal(s.status.pauseReason, 'ops: peak traffic');
    s.signal('resume', { by: 'ops' });
    assert.equal(s.paused, false);
    assert.equal(s.status.pauseReason, undefined);
    s.signal('resume', {});
    assert.match(s.status.refusedSignals[0]!.reason, /not paused/);
    const waiting = stateIn('AWAITING_APPROVAL');
    waiting.signal('pause', {});
    assert.equal(waiting.paused, false);
  });

  it('allows rollback and early cleanup only in retention', () => {
    const s = stateIn('GRACE_PERIOD');
    s.signal('rollback', { by: 'erin', reason: 'x' });
    s.signal('endRetention', { by: 'erin' });
    assert.equal(s.wantsRollback || s.wantsEndRetention, false);
    assert.deepEqual(
      s.status.refusedSignals.map((r) => r.signal),
      ['rollback', 'endRetention'],
    );
    const r = stateIn('RETENTION');
    r.signal('rollback', { by: 'erin', reason: 'latency' });
    assert.equal(r.wantsRollback, true);
    assert.equal(r.status.rollback?.by, 'erin');
    const e = stateIn('RETENTION');
    e.signal('endRetention', { by: 'erin' });
    assert.equal(e.wantsEndRetention, true, 'end-retention is accepted in RETENTION');
    assert.equal(e.wantsRollback, false);
    assert.deepEqual(e.status.refusedSignals, []);
  });

  it('accumulates backfill chunks into counts, coverage and a bounded quarantine sample', () => {
    const s = new MigrationState(input, 'reembed:products');
    s.prepared(prepared(100, 0));
    assert.equal(s.phase, 'PREPARING', 'the workflow enters BACKFILLING itself, after recording it');
    const sample = Array.from({ length: 15 }, (_, i) => ({ id: `bad${i}`, reason: 'empty' }));
    s.applyChunk({ cursor: 'doc-060', migrated: 45, quarantined: 15, quarantineSample: sample, tokens: 2000, truncated: 2, done: false });
    s.applyChunk({ cursor: 'doc-100', migrated: 30, quarantined: 10, quarantineSample: sample.slice(0, 10), tokens: 1500, truncated: 1, done: true });
    assert.deepEqual(s.status.documents, { total: 100, migrated: 75, quarantined: 25, truncated: 3 });
    assert.equal(s.status.coverage, 1);
    assert.equal(s.status.cursor, 'doc-100');
    assert.equal(s.status.tokens, 3500);
    assert.equal(s.status.quarantineSample.length, 20);
  });

  it('computes coverage, counting quarantined documents as accounted for', () => {
    assert.equal(coverage({ total: 0, migrated: 0, quarantined: 0 }), 1);
    assert.equal(coverage({ total: 200, migrated: 50, quarantined: 0 }), 0.25);
    assert.equal(coverage({ total: 200, migrated: 190, quarantined: 10 }), 1);
  });
});

describe('migration input', () => {
  it('applies the documented defaults', () => {
    assert.equal(input.graceMs, 3_600_000);
    assert.equal(input.retentionMs, 7 * 86_400_000);
    assert.equal(input.approvalTimeoutMs, null);
  });

  it('rejects bad collection names and sizes with readable messages', () => {
    const bad = migrationInputSchema.safeParse({ collection: 'Products__v2', targetSpecId: 'x', batchSize: 0 });
    assert.equal(bad.success, false);
    const messages = bad.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n');
    assert.match(messages, /collection: a collection name is 1–61 lowercase/);
    assert.match(messages, /batchSize: /);
  });

  it('turns a budget into a token allowance, tracks spend from reported tokens, and needs more budget to resume', () => {
    const s = new MigrationState(migrationInputSchema.parse({ collection: 'products', targetSpecId: 'x', budgetUsd: 0.01 }), 'reembed:products');
    s.prepared(prepared(100, 2)); // $2 per million tokens: $0.01 buys 5,000 tokens
    assert.equal(s.tokenAllowance(), 5000);
    s.applyChunk(chunk(3000));
    assert.equal(s.status.spentUsd, 0.006);
    assert.equal(s.tokenAllowance(), 2000);
    s.pauseAtBudget();
    assert.match(s.status.pauseReason!, /budget of \$0.01 reached: \$0.0060 spent on 3000 tokens.*reembed resume products --budget/);
    s.signal('resume', { by: 'alice' });
    assert.equal(s.paused, true, 'resuming without more budget is refused');
    assert.match(s.status.refusedSignals.at(-1)!.reason, /resume with more budget/);
    s.signal('resume', { by: 'alice', addBudgetUsd: 0.01 });
    assert.equal(s.paused, false);
    assert.equal(s.status.budgetUsd, 0.02);
    assert.equal(s.tokenAllowance(), 7000);
    assert.equal(s.status.pausedBy, undefined);
  });

  it('has no allowance without a budget or for a free model', () => {
    const unbounded = new MigrationState(input, 'reembed:products');
    unbounded.prepared(prepared(10, 2));
    assert.equal(unbounded.tokenAllowance(), null);
    const free = new MigrationState(migrationInputSchema.parse({ collection: 'products', targetSpecId: 'x', budgetUsd: 5 }), 'reembed:products');
    free.prepared(prepared(10, 0));
    assert.equal(free.tokenAllowance(), null);
  });

  it('resumes a provider pause without extra budget', () => {
    const s = stateIn('BACKFILLING');
    s.pauseUntilFixed('provider', 'the endpoint refused our API key.');
    assert.equal(s.status.pauseReason, 'the endpoint refused our API key. Then: reembed resume products');
    assert.equal(s.status.pausedBy, 'provider');
    s.signal('resume', { by: 'ops' });
    assert.equal(s.paused, false);
  });
});

describe('workflow decisions', () => {
  const catchUp = (changed: number, extra: Partial<CatchUpReport> = {}): CatchUpReport => ({
    reembedded: changed,
    deleted: 0,
    quarantined: 0,
    tokens: 10,
    truncated: 0,
    budgetReached: false,
    ...extra,
  });

  it('runs the hot-first pass once, before the regular backfill has a cursor', () => {
    const s = stateIn('BACKFILLING');
    assert.equal(s.needsHotFirst(0), false, 'a limit of 0 turns it off');
    assert.equal(s.needsHotFirst(100), true);
    s.applyChunk(chunk(10, { cursor: null, budgetReached: true }));
    assert.equal(s.needsHotFirst(100), true, 'a pass stopped at the budget runs again');
    assert.equal(s.paused, true);
    s.hotFirstDone();
    assert.equal(s.needsHotFirst(100), false);
    const resumed = stateIn('BACKFILLING');
    resumed.applyChunk(chunk(10, { cursor: 'doc-9' }));
    assert.equal(resumed.needsHotFirst(100), false, 'a backfill under way is not interrupted');
  });

  it('pauses at the budget when a chunk stops short of it', () => {
    const s = stateIn('BACKFILLING');
    s.applyChunk(chunk(10));
    assert.equal(s.paused, false);
    s.applyChunk(chunk(10, { budgetReached: true }));
    assert.equal(s.status.pausedBy, 'budget');
  });

  it('carries everything over continue-as-new: a state rebuilt from the status goes on where the last run stopped', () => {
    const s = stateIn('BACKFILLING');
    s.prepared(prepared(100, 2));
    s.partitioned([{ lower: null, upper: 'doc-050', cursor: null, documents: 50, migrated: 0, quarantined: 0, done: false, workers: [] }]);
    s.applyPartitionChunk(0, chunk(1000, { cursor: 'doc-020', migrated: 20, quarantined: 1, quarantineSample: [{ id: 'bad', reason: 'empty' }] }));
    s.signal('approveCutover', { approver: 'too-early' });
    const next = new MigrationState(input, 'reembed:products', s.status);
    assert.deepEqual(next.status, s.status);
    assert.deepEqual(next.partitionsToStart(new Set(), 4), [0], 'the partition goes on from its cursor');
    next.applyPartitionChunk(0, chunk(500, { cursor: 'doc-050', migrated: 30, done: true }));
    assert.deepEqual(next.status.documents, { total: 100, migrated: 50, quarantined: 1, truncated: 0 });
    assert.equal(next.status.partitions![0]!.migrated, 50);
    assert.equal(next.status.tokens, 1500);
    assert.ok(Math.abs(next.status.spentUsd - 0.003) < 1e-12, 'spend goes on at the same price');
    assert.equal(next.status.refusedSignals.length, 1, 'refusals are kept');
    assert.ok(next.partitionsDone);
  });

  it('stops catch-up at the first quiet pass, reruns a pass stopped at the budget, and bounds the passes', () => {
    const quiet = stateIn('CATCHING_UP');
    assert.equal(quiet.applyCatchUp(catchUp(5)), 'again');
    assert.equal(quiet.applyCatchUp(catchUp(0)), 'done');
    assert.deepEqual(quiet.status.catchUp, { passes: 2, reembedded: 5, deleted: 0 });

    const budget = stateIn('CATCHING_UP');
    assert.equal(budget.applyCatchUp(catchUp(3, { budgetReached: true })), 'paused');
    assert.equal(budget.status.pausedBy, 'budget');

    const busy = stateIn('CATCHING_UP');
    const outcomes = Array.from({ length: MAX_CATCH_UP_PASSES }, () => busy.applyCatchUp(catchUp(1)));
    assert.deepEqual(outcomes.slice(0, -1), Array(MAX_CATCH_UP_PASSES - 1).fill('again'));
    assert.equal(outcomes.at(-1), 'done', 'live writes never stop; verification goes ahead after the bound');
  });

  it('rejects when the approval timeout passes, as reembed', () => {
    const s = stateIn('AWAITING_APPROVAL');
    s.approvalTimedOut(60_000);
    assert.equal(s.rejected, true);
    assert.equal(s.status.rejection?.by, 'reembed');
    assert.match(s.status.rejection!.reason, /no decision within the approval timeout of 60000 ms/);
  });
});
