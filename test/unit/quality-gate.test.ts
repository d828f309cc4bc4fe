import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { migrationInputSchema } from '../../src/migration/input.js';
import type { QualityReport } from '../../src/migration/reports.js';
import { currentDetails, migrationStaticDetails, migrationSummary } from '../../src/migration/current-details.js';
import { MigrationState } from '../../src/migration/migration-state.js';
import { acknowledgementNeeded, gateMargin, qualityMarkdown, qualityReport, verdictOf, type QueryOutcome } from '../../src/migration/quality-gate.js';

const gate = { maxDrop: 0.02, minOverlap: null };
/** Relevant: a (grade 2) and b (grade 1). */
const labelled = (query: string, oldIds: string[], newIds: string[]): QueryOutcome => ({ query, relevant: { a: 2, b: 1 }, oldIds, newIds });
const times = <T>(n: number, make: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => make(i));

describe('quality gate verdicts', () => {
  it('places each boundary of the interval against 0 and the margin (old nDCG@10 0.5, margin 2% → −0.01)', () => {
    assert.equal(verdictOf([0.001, 0.05], 0.5, 0.02), 'IMPROVEMENT');
    assert.equal(verdictOf([0, 0.05], 0.5, 0.02), 'PASS', 'an interval touching 0 is no improvement');
    assert.equal(verdictOf([-0.01, 0.05], 0.5, 0.02), 'PASS', 'a lower end exactly at the margin passes');
    assert.equal(verdictOf([-0.0101, 0.05], 0.5, 0.02), 'INCONCLUSIVE');
    assert.equal(verdictOf([-0.05, -0.01], 0.5, 0.02), 'INCONCLUSIVE', 'an upper end exactly at the margin is not a regression');
    assert.equal(verdictOf([-0.05, -0.0101], 0.5, 0.02), 'REGRESSION');
  });

  it('calls consistent gains an IMPROVEMENT, with the interval relative to the old value', () => {
    // Old finds b first (nDCG 0.86), new finds a first (1.0), on every query.
    const report = qualityReport(
      times(5, (i) => labelled(`q${i}`, ['b', 'a'], ['a', 'b'])),
      gate,
    );
    assert.equal(report.verdict, 'IMPROVEMENT');
    const gain = report.new!.ndcg10! - report.old!.ndcg10!;
    assert.ok(Math.abs(report.delta!.ndcg10 - gain) < 1e-12);
    assert.deepEqual(report.delta!.ci95, [gain, gain], 'equal differences leave no spread');
    assert.equal(report.delta!.pValue, 2 / 32, 'exact sign-flip test over 5 queries');
    const pct = ((gain / report.old!.ndcg10!) * 100).toFixed(1);
    assert.match(report.reason, new RegExp(`^at worst \\+${pct}%, at best \\+${pct}% nDCG@10 \\(95% interval, 5 queries\\): the new model is better`));
    assert.equal(report.acknowledgement, null);
    assert.equal(report.queriesNeeded, null);
  });

  it('calls consistent losses beyond the margin a REGRESSION and names the losers', () => {
    const report = qualityReport([...times(6, (i) => labelled(`lost${i}`, ['a', 'b'], ['x', 'y'])), labelled('kept', ['a', 'b'], ['a', 'b'])], gate);
    assert.equal(report.verdict, 'REGRESSION');
    assert.match(
      report.reason,
      /^at worst −100\.0%, at best −\d+\.\d% nDCG@10 \(95% interval, 7 queries\): the new model is worse: Δ −0\.\d{3} \[−1\.000, −0\.\d{3}\]/,
    );
    assert.match(report.acknowledgement!, /^the new model is worse: Δ −0\.857 \[−1\.000, −0\.\d{3}\] nDCG@10$/);
    assert.deepEqual(
      report.losers!.map((q) => [q.query, q.old, q.new]),
      times(6, (i) => [`lost${i}`, 1, 0]),
    );
    assert.equal(report.metricDeltas!.recall10.delta, -6 / 7, 'recall@10 has its own paired statistics');
    assert.equal(report.metricDeltas!.mrr10.delta, -6 / 7);
  });

  it('calls a small, noisy set INCONCLUSIVE and says how many queries would decide', () => {
    // One query gains, one loses, one is even: nothing can be ruled out with three queries.
    const report = qualityReport(
      [labelled('up', ['b', 'a'], ['a', 'b']), labelled('down', ['a', 'b'], ['b', 'x']), labelled('even', ['a', 'b'], ['a', 'b'])],
      gate,
    );
    assert.equal(report.verdict, 'INCONCLUSIVE');
    assert.ok(report.queriesNeeded! > 3, `needs ${report.queriesNeeded}`);
    assert.match(report.reason, /too few labelled queries to rule out a drop over the 2% margin; about \d+ more would decide/);
    assert.equal(report.acknowledgement, report.reason.slice(report.reason.indexOf('too few')));
  });

  it('passes when no drop beyond the margin is plausible', () => {
    const report = qualityReport(
      times(12, (i) => labelled(`q${i}`, ['a', 'b'], ['a', 'b'])),
      gate,
    );
    assert.equal(report.verdict, 'PASS');
    assert.match(report.reason, /no drop beyond the 2% margin is plausible: Δ \+0\.000 \[\+0\.000, \+0\.000\]/);
    assert.deepEqual(report.losers, []);
    assert.equal(report.margin, 0.02);
    assert.equal(report.minQuality, 0.98);
  });

  it('keeps --min-quality as the complement of the margin', () => {
    assert.equal(gateMargin({ minQuality: 0.98 }), 0.02);
    assert.equal(gateMargin({ minQuality: 0.9, maxDrop: 0.05 }), 0.05, 'maxDrop wins');
    assert.equal(gateMargin({}), 0.02);
  });

  it('without golden queries is NOT_EVALUATED; unlabelled ones are gated on overlap only when asked', () => {
    assert.equal(qualityReport([], gate).verdict, 'NOT_EVALUATED');
    const unlabelled: QueryOutcome[] = [{ query: 'u', relevant: null, oldIds: ['a', 'b', 'c', 'd'], newIds: ['a', 'b', 'x', 'y'] }];
    const ungated = qualityReport(unlabelled, gate);
    assert.equal(ungated.verdict, 'NOT_EVALUATED');
    assert.equal(ungated.overlap10, 0.5);
    assert.equal(ungated.delta, null);
    assert.equal(qualityReport(unlabelled, { maxDrop: 0.02, minOverlap: 0.4 }).verdict, 'PASS');
    const low = qualityReport(unlabelled, { maxDrop: 0.02, minOverlap: 0.6 });
    assert.equal(low.verdict, 'REGRESSION');
    assert.match(low.acknowledgement!, /overlap@10 of old and new 0\.500/);
  });

  it('renders aligned tables: the interval beside each metric, overlap and ANN recall in a table of their own', () => {
    const report = qualityReport(
      times(6, (i) => labelled(`lost${i}`, ['a', 'b'], ['x'])),
      gate,
      { annRecall10: 0.96 },
    );
    const md = qualityMarkdown({
      ...report,
      warmup: { queries: 7, trafficQueries: 2, passes: 3, cold: { p50Ms: 9.5, p95Ms: 20 }, warm: { p50Ms: 3.1, p95Ms: 4.2 } },
    });
    assert.match(md, /\*\*Quality gate: REGRESSION\*\* — at worst −100\.0%/);
    assert.match(md, /\| nDCG@10 \| 1\.000 \| 0\.000 \| −1\.000 \[−1\.000, −1\.000\] p=0\.031 \|/);
    for (const line of md.split('\n').filter((l) => l.startsWith('| '))) {
      const cells = line.split('|').length;
      assert.ok(cells === 6 || cells === 4, `a row with ${cells - 2} cells: ${line}`);
    }
    assert.match(md, /\| ANN recall@10 of the new index \(kNN vs exact\) \| 0\.960 \|/);
    assert.match(md, /cold → warm \| 9\.5\/20\.0 ms → 3\.1\/4\.2 ms \|/);
    assert.match(md, /- lost0: 1\.000 → 0\.000/, 'the biggest losers are listed');
  });
});

describe('approval against the verdict', () => {
  const awaiting = (quality: QualityReport) => {
    const s = new MigrationState(migrationInputSchema.parse({ collection: 'products', targetSpecId: 'x' }), 'reembed:products');
    s.enter('AWAITING_APPROVAL');
    s.evaluated(quality);
    return s;
  };

  it('refuses a REGRESSION without an acknowledgement, in its own words, then accepts one that has it', () => {
    const s = awaiting(
      qualityReport(
        times(6, (i) => labelled(`lost${i}`, ['a', 'b'], ['x'])),
        gate,
      ),
    );
    assert.match(
      s.refusal('approveCutover', { approver: 'alice' })!,
      /^REGRESSION: the new model is worse: Δ −1\.000 \[−1\.000, −1\.000\] nDCG@10\. To cut over anyway, approve with "acknowledgeRegression": true/,
    );
    s.signal('approveCutover', { approver: 'alice' });
    assert.equal(s.approved, false);
    assert.equal(s.status.refusedSignals.length, 1, 'the signal path records the refusal');
    s.signal('approveCutover', { approver: 'alice', acknowledgeRegression: true });
    assert.equal(s.status.approval?.acknowledgeRegression, true, 'the acknowledgement is recorded with the approval');
  });

  it('refuses an INCONCLUSIVE verdict without an acknowledgement, saying how many queries would decide', () => {
    const s = awaiting(
      qualityReport([labelled('up', ['b', 'a'], ['a', 'b']), labelled('down', ['a', 'b'], ['b', 'x']), labelled('even', ['a', 'b'], ['a', 'b'])], gate),
    );
    assert.match(
      s.refusal('approveCutover', { approver: 'alice' })!,
      /^INCONCLUSIVE: too few labelled queries to rule out a drop over the 2% margin; about \d+ more would decide/,
    );
    assert.equal(s.refusal('approveCutover', { approver: 'alice', acknowledgeRegression: true }), null);
  });

  it('needs no acknowledgement for PASS and IMPROVEMENT, and a legacy REGRESSION report still needs one', () => {
    assert.equal(
      awaiting(
        qualityReport(
          times(3, (i) => labelled(`q${i}`, ['a', 'b'], ['a', 'b'])),
          gate,
        ),
      ).refusal('approveCutover', { approver: 'a' }),
      null,
    );
    const legacy = {
      verdict: 'REGRESSION',
      reason: 'nDCG@10 1.000 → 0.500',
      queries: { labelled: 6, unlabelled: 0 },
      old: null,
      new: null,
      overlap10: null,
      annRecall10: null,
      warmup: null,
      minQuality: 0.98,
      minOverlap: null,
    } as const;
    assert.match(acknowledgementNeeded(legacy)!, /quality gate found a regression \(nDCG@10 1\.000 → 0\.500\)/);
    assert.match(qualityMarkdown(legacy), /Quality gate: REGRESSION/, 'a report from before the intervals still renders');
  });
});

describe('what the Temporal Web UI shows', () => {
  it('a static summary naming the collection, both specs, who started it and the approvals needed', () => {
    const input = migrationInputSchema.parse({ collection: 'products', targetSpecId: 'bge-small-en-v1.5', requestedBy: 'alice', approvals: 2 });
    assert.equal(
      migrationSummary(input, 'minilm-l6-v2'),
      'Migrate products: minilm-l6-v2 → bge-small-en-v1.5, started by alice; cutover needs 2 distinct approvals',
    );
    const settings = migrationStaticDetails({ ...input, maxDrop: 0.05, approvers: ['alice', 'bob'] });
    assert.match(settings, /\| grace period before the cutover \| 1 h \|/);
    assert.match(settings, /\| quality margin \(largest tolerated drop of nDCG@10\) \| 5\.0% of the old value \|/);
    assert.match(settings, /\| approvals \| 2 of alice, bob \|/);
  });

  it('current details that lead with phase, progress or verdict, and the exact action', () => {
    const s = new MigrationState(migrationInputSchema.parse({ collection: 'products', targetSpecId: 'x' }), 'reembed:products');
    s.enter('BACKFILLING', { documents: { total: 100, migrated: 0, quarantined: 0, truncated: 0 } });
    s.backfillBegins();
    s.applyChunk({ cursor: 'd40', migrated: 40, quarantined: 0, quarantineSample: [], tokens: 0, truncated: 0, done: false });
    const backfilling = currentDetails(s.status, Date.parse(s.status.backfillStartedAt!) + 10_000);
    assert.equal(
      backfilling.split('\n')[0],
      '**BACKFILLING** · 40/100 documents copied (40.0%), 0 quarantined, 4.0 docs/s, ETA 15s · next: `pause: reembed pause products --by <name>`',
    );

    s.enter('AWAITING_APPROVAL');
    s.evaluated(
      qualityReport([labelled('up', ['b', 'a'], ['a', 'b']), labelled('down', ['a', 'b'], ['b', 'x']), labelled('even', ['a', 'b'], ['a', 'b'])], gate),
    );
    const [head, ...rest] = currentDetails(s.status, Date.now()).split('\n');
    assert.match(
      head!,
      /^\*\*AWAITING_APPROVAL\*\* · 0 of 1 approvals · quality INCONCLUSIVE, Δ nDCG@10 [+−]0\.\d{3} \[−0\.\d{3}, \+0\.\d{3}\] · next: `approve: reembed approve products --approver <name> --acknowledge-regression/,
    );
    assert.ok(rest.some((l) => l.includes('`{"approver":"your name","acknowledgeRegression":true}`')));
    assert.ok(rest.some((l) => l.startsWith('**Quality gate: INCONCLUSIVE**')));
  });
});
