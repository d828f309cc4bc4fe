import type { QualityReport, RetrievalScores } from './contract.js';
import { latencyText } from './latency.js';
import { mean, mrrAt, ndcgAt, overlapAt, recallAt, type Judgements } from './retrieval-metrics.js';

const K = 10;
const WORST = 10;

/** One golden query's top-10 ids from the old index (old spec) and the new index (new spec). */
export interface QueryOutcome {
  readonly query: string;
  readonly relevant: Judgements | null;
  readonly oldIds: readonly string[];
  readonly newIds: readonly string[];
}

const scores = (outcomes: readonly QueryOutcome[], side: 'oldIds' | 'newIds'): RetrievalScores => ({
  ndcg10: mean(outcomes.map((o) => ndcgAt(K, o[side], o.relevant!))),
  recall10: mean(outcomes.map((o) => recallAt(K, o[side], o.relevant!))),
  mrr10: mean(outcomes.map((o) => mrrAt(K, o[side], o.relevant!))),
});

/** A retrieval metric as reports print it: three decimals, a dash when there is none. */
export const metricText = (x: number | null | undefined) => (x === null || x === undefined ? '–' : x.toFixed(3));

/**
 * The quality gate: with labelled queries, PASS when the new nDCG@10 is at least
 * `minQuality` × the old one; with only unlabelled ones, PASS when overlap@10 reaches
 * `minOverlap` (not gated without it); NOT_EVALUATED without golden queries.
 */
export function qualityReport(
  outcomes: readonly QueryOutcome[],
  gate: { minQuality: number; minOverlap: number | null },
  measured: { annRecall10: number | null } = { annRecall10: null },
): QualityReport {
  const labelled = outcomes.filter((o) => o.relevant && ndcgAt(K, [], o.relevant) !== null);
  const overlap10 = mean(outcomes.map((o) => overlapAt(K, o.oldIds, o.newIds)));
  const base = {
    queries: { labelled: labelled.length, unlabelled: outcomes.length - labelled.length },
    overlap10,
    annRecall10: measured.annRecall10,
    warmup: null,
    minQuality: gate.minQuality,
    minOverlap: gate.minOverlap,
  };
  if (labelled.length > 0) {
    const old = scores(labelled, 'oldIds');
    const now = scores(labelled, 'newIds');
    const worstQueries = labelled
      .map((o) => ({
        query: o.query,
        oldNdcg10: ndcgAt(K, o.oldIds, o.relevant!)!,
        newNdcg10: ndcgAt(K, o.newIds, o.relevant!)!,
        oldIds: o.oldIds,
        newIds: o.newIds,
      }))
      .filter((q) => q.newNdcg10 < q.oldNdcg10)
      .sort((a, b) => b.oldNdcg10 - b.newNdcg10 - (a.oldNdcg10 - a.newNdcg10))
      .slice(0, WORST);
    const pass = now.ndcg10! >= gate.minQuality * old.ndcg10!;
    const reason = `nDCG@10 ${metricText(old.ndcg10)} → ${metricText(now.ndcg10)} on ${labelled.length} labelled queries; the gate needs ≥ ${gate.minQuality} × the old value (${metricText(gate.minQuality * old.ndcg10!)})`;
    return { ...base, verdict: pass ? 'PASS' : 'REGRESSION', reason, old, new: now, worstQueries };
  }
  const unscored = { ...base, old: null, new: null, worstQueries: [] };
  if (outcomes.length === 0) return { ...unscored, verdict: 'NOT_EVALUATED', reason: 'the collection has no golden queries (reembed golden import)' };
  if (gate.minOverlap === null) {
    return {
      ...unscored,
      verdict: 'NOT_EVALUATED',
      reason: `only unlabelled queries (overlap@10 ${metricText(overlap10)}) and no minimum overlap was set (--min-overlap)`,
    };
  }
  const pass = overlap10! >= gate.minOverlap;
  return {
    ...unscored,
    verdict: pass ? 'PASS' : 'REGRESSION',
    reason: `overlap@10 of old and new ${metricText(overlap10)} on ${outcomes.length} unlabelled queries; the gate needs ≥ ${gate.minOverlap}`,
  };
}

/** The report as a markdown table: the Temporal Web UI shows it on the workflow page. */
export function qualityMarkdown(report: QualityReport, collection: string): string {
  const row = (name: string, o: number | null, n: number | null) => `| ${name} | ${metricText(o)} | ${metricText(n)} |`;
  const lines = [
    `**Quality gate: ${report.verdict}** — ${report.reason}.`,
    '',
    '| metric | old | new |',
    '| --- | --- | --- |',
    row('nDCG@10', report.old?.ndcg10 ?? null, report.new?.ndcg10 ?? null),
    row('recall@10', report.old?.recall10 ?? null, report.new?.recall10 ?? null),
    row('MRR@10', report.old?.mrr10 ?? null, report.new?.mrr10 ?? null),
    `| overlap@10 (old vs new) | ${metricText(report.overlap10)} | |`,
    `| ANN recall@10 (kNN vs exact) | | ${metricText(report.annRecall10)} |`,
    ...(report.warmup ? [`| search latency p50/p95, cold → warm | | ${latencyText(report.warmup.cold)} → ${latencyText(report.warmup.warm)} |`] : []),
    '',
    `Golden queries: ${report.queries.labelled} labelled, ${report.queries.unlabelled} unlabelled.`,
    ...(report.worstQueries.length > 0
      ? [
          '',
          'Biggest losers (nDCG@10 old → new):',
          '',
          ...report.worstQueries.slice(0, 5).map((q) => `- ${q.query.slice(0, 80)}: ${metricText(q.oldNdcg10)} → ${metricText(q.newNdcg10)}`),
        ]
      : []),
    '',
    `Approve: signal \`approveCutover\` with \`${JSON.stringify(report.verdict === 'REGRESSION' ? { approver: 'your name', acknowledgeRegression: true } : { approver: 'your name' })}\`.\n\nOr from a terminal: \`reembed approve ${collection} --approver <name>${report.verdict === 'REGRESSION' ? ' --acknowledge-regression' : ''}\`.`,
  ];
  return lines.join('\n');
}
