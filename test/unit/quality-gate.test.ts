import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { migrationInputSchema } from '../../src/migration/contract.js';
import { MigrationState } from '../../src/migration/migration-state.js';
import { qualityMarkdown, qualityReport, type QueryOutcome } from '../../src/migration/quality-gate.js';

const gate = { minQuality: 0.98, minOverlap: null };
const labelled = (query: string, oldIds: string[], newIds: string[]): QueryOutcome => ({ query, relevant: { a: 2, b: 1 }, oldIds, newIds });

describe('quality gate', () => {
  it('passes when the new nDCG@10 keeps at least minQuality of the old', () => {
    const report = qualityReport([labelled('q1', ['a', 'b'], ['a', 'b']), labelled('q2', ['a', 'x'], ['a', 'b'])], gate);
    assert.equal(report.verdict, 'PASS');
    assert.deepEqual(report.queries, { labelled: 2, unlabelled: 0 });
    assert.ok(report.new!.ndcg10! > report.old!.ndcg10!);
    assert.deepEqual(report.worstQueries, [], 'no query lost');
  });

  it('finds a regression and names the queries that lost most', () => {
    const report = qualityReport(
      [labelled('kept', ['a', 'b'], ['a', 'b']), labelled('lost', ['a', 'b'], ['x', 'y']), labelled('dipped', ['a', 'b'], ['b', 'a'])],
      gate,
    );
    assert.equal(report.verdict, 'REGRESSION');
    assert.match(report.reason, /nDCG@10 1\.000 → 0\.\d{3} on 3 labelled queries; the gate needs ≥ 0\.98/);
    assert.deepEqual(
      report.worstQueries.map((q) => q.query),
      ['lost', 'dipped'],
    );
    assert.equal(report.worstQueries[0]!.newNdcg10, 0);
  });

  it('without golden queries is NOT_EVALUATED; unlabelled ones are gated on overlap only when asked', () => {
    assert.equal(qualityReport([], gate).verdict, 'NOT_EVALUATED');
    const unlabelled: QueryOutcome[] = [{ query: 'u', relevant: null, oldIds: ['a', 'b', 'c', 'd'], newIds: ['a', 'b', 'x', 'y'] }];
    const ungated = qualityReport(unlabelled, gate);
    assert.equal(ungated.verdict, 'NOT_EVALUATED');
    assert.equal(ungated.overlap10, 0.5);
    assert.equal(qualityReport(unlabelled, { minQuality: 0.98, minOverlap: 0.4 }).verdict, 'PASS');
    assert.equal(qualityReport(unlabelled, { minQuality: 0.98, minOverlap: 0.6 }).verdict, 'REGRESSION');
  });

  it('renders the table and the exact signal to send', () => {
    const md = qualityMarkdown(qualityReport([labelled('lost', ['a', 'b'], ['x'])], gate), 'products');
    assert.match(md, /\*\*Quality gate: REGRESSION\*\*/);
    assert.match(md, /\| nDCG@10 \| 1\.000 \| 0\.000 \|/);
    assert.match(md, /"acknowledgeRegression":true/);
    assert.match(md, /reembed approve products --approver <name> --acknowledge-regression/);
    assert.match(md, /- lost: 1\.000 → 0\.000/, 'the biggest losers are listed');
  });

  it('carries the measured ANN recall and shows it and the warm-up latencies in the table', () => {
    const report = qualityReport([labelled('q', ['a', 'b'], ['a', 'b'])], gate, { annRecall10: 0.96 });
    assert.equal(report.annRecall10, 0.96);
    const warm = { ...report, warmup: { queries: 7, trafficQueries: 2, passes: 3, cold: { p50Ms: 9.5, p95Ms: 20 }, warm: { p50Ms: 3.1, p95Ms: 4.2 } } };
    const md = qualityMarkdown(warm, 'products');
    assert.match(md, /\| ANN recall@10 \(kNN vs exact\) \| \| 0\.960 \|/);
    assert.match(md, /cold → warm \| \| 9\.5\/20\.0 ms → 3\.1\/4\.2 ms \|/);
  });

  it('refuses approval after a regression unless it is acknowledged', () => {
    const s = new MigrationState(migrationInputSchema.parse({ collection: 'products', targetSpecId: 'x' }), 'reembed:products');
    s.enter('AWAITING_APPROVAL');
    s.evaluated(qualityReport([labelled('lost', ['a', 'b'], ['x'])], gate));
    s.approve({ approver: 'alice' });
    assert.equal(s.approved, false);
    assert.match(s.status.refusedSignals.at(-1)!.reason, /quality gate found a regression .* "acknowledgeRegression": true/);
    s.approve({ approver: 'alice', acknowledgeRegression: true });
    assert.equal(s.status.approval?.approver, 'alice');
    assert.equal(s.status.approval?.acknowledgeRegression, true, 'the acknowledgement is recorded with the approval');
  });
});
