import type { LosingQuery, MetricDelta, QualityReport, QualityVerdict, RetrievalScores } from './reports.js';
import { latencyText } from './latency.js';
import { comparePaired, halfWidth95, queriesToDecide, type PairedComparison } from './paired-statistics.js';
import { mean, mrrAt, ndcgAt, overlapAt, recallAt, type Judgements } from './retrieval-metrics.js';

const K = 10;
const WORST = 10;
/** The margin when neither maxDrop nor minQuality says otherwise: a 2% drop of nDCG@10. */
export const DEFAULT_MAX_DROP = 0.02;

/** One golden query's top-10 ids from the old index (old spec) and the new index (new spec). */
export interface QueryOutcome {
  readonly query: string;
  readonly relevant: Judgements | null;
  readonly oldIds: readonly string[];
  readonly newIds: readonly string[];
}

/** What the gate judges by: the margin, and the overlap floor for collections with only unlabelled queries. */
export interface GateSettings {
  readonly maxDrop: number;
  readonly minOverlap: number | null;
}

/** The margin a migration's input asks for: maxDrop, else the complement of minQuality (0.98 → 0.02). */
export function gateMargin(input: { readonly maxDrop?: number | undefined; readonly minQuality?: number | undefined }): number {
  if (input.maxDrop !== undefined) return input.maxDrop;
  // Rounded so that 1 − 0.98 reads 0.02, not 0.020000000000000018.
  return input.minQuality === undefined ? DEFAULT_MAX_DROP : Math.round((1 - input.minQuality) * 1e9) / 1e9;
}

type Metric = 'ndcg10' | 'recall10' | 'mrr10';
const METRICS: Record<Metric, (ids: readonly string[], relevant: Judgements) => number> = {
  ndcg10: (ids, r) => ndcgAt(K, ids, r)!,
  recall10: (ids, r) => recallAt(K, ids, r)!,
  mrr10: (ids, r) => mrrAt(K, ids, r),
};

/** A retrieval metric as reports print it: three decimals, a dash when there is none. */
export const metricText = (x: number | null | undefined) => (x === null || x === undefined ? '–' : x.toFixed(3));

const signed = (x: number, digits = 1) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(digits)}`;
/** A difference and its 95% interval as every report prints them: "−0.026 [−0.077, +0.018]". */
export const intervalText = (delta: number, ci95: readonly [number, number]) => `${signed(delta, 3)} [${signed(ci95[0], 3)}, ${signed(ci95[1], 3)}]`;
/** A difference as a share of the old value: "−1.9%"; absolute when the old value is 0. */
const relative = (d: number, old: number) => (old > 0 ? `${signed((d / old) * 100)}%` : signed(d, 3));

/**
 * The verdict on nDCG@10 from the 95% interval of its paired difference and the margin
 * (a fraction of the old value): above 0 → IMPROVEMENT; no drop beyond the margin plausible →
 * PASS; every plausible value beyond it → REGRESSION; otherwise INCONCLUSIVE.
 */
export function verdictOf(ci95: readonly [number, number], oldNdcg10: number, maxDrop: number): QualityVerdict {
  const threshold = -maxDrop * oldNdcg10;
  if (ci95[0] > 0) return 'IMPROVEMENT';
  if (ci95[0] >= threshold) return 'PASS';
  if (ci95[1] < threshold) return 'REGRESSION';
  return 'INCONCLUSIVE';
}

/** The verdict line leads with what the data rules out, relative to the old value. */
function boundsText(ci95: readonly [number, number], oldNdcg10: number, queries: number): string {
  return `at worst ${relative(ci95[0], oldNdcg10)}, at best ${relative(ci95[1], oldNdcg10)} nDCG@10 (95% interval, ${queries} queries)`;
}

function labelledReport(labelled: readonly QueryOutcome[], gate: GateSettings) {
  const perQuery = (metric: Metric) => labelled.map((o) => ({ old: METRICS[metric](o.oldIds, o.relevant!), new: METRICS[metric](o.newIds, o.relevant!) }));
  const compare = (metric: Metric): MetricDelta & PairedComparison => comparePaired(perQuery(metric).map((p) => p.new - p.old));
  const scores = (side: 'old' | 'new'): RetrievalScores => ({
    ndcg10: mean(perQuery('ndcg10').map((p) => p[side])),
    recall10: mean(perQuery('recall10').map((p) => p[side])),
    mrr10: mean(perQuery('mrr10').map((p) => p[side])),
  });
  const old = scores('old');
  const ndcg = compare('ndcg10');
  const strip = ({ delta, ci95, pValue, sd }: PairedComparison): MetricDelta => ({ delta, ci95, pValue, sd });
  const oldNdcg = old.ndcg10!;
  const threshold = -gate.maxDrop * oldNdcg;
  const verdict = verdictOf(ndcg.ci95, oldNdcg, gate.maxDrop);
  const needed = verdict === 'INCONCLUSIVE' ? queriesToDecide(ndcg.sd, ndcg.delta, threshold) : null;
  const interval = `Δ ${intervalText(ndcg.delta, ndcg.ci95)}`;
  const margin = `${(gate.maxDrop * 100).toFixed(gate.maxDrop * 100 < 1 ? 1 : 0)}% margin`;
  const moreText =
    needed === null
      ? 'the observed difference sits on the margin, so no number of queries is likely to decide'
      : `about ${Math.max(1, needed - labelled.length)} more would decide`;
  const because: Record<QualityVerdict, string> = {
    IMPROVEMENT: `the new model is better: ${interval}, p = ${ndcg.pValue.toFixed(3)}`,
    PASS: `no drop beyond the ${margin} is plausible: ${interval}`,
    REGRESSION: `the new model is worse: ${interval}, beyond the ${margin}`,
    INCONCLUSIVE: `too few labelled queries to rule out a drop over the ${margin}; ${moreText}`,
    NOT_EVALUATED: '',
  };
  const acknowledgement =
    verdict === 'REGRESSION'
      ? `the new model is worse: ${interval} nDCG@10`
      : verdict === 'INCONCLUSIVE'
        ? `too few labelled queries to rule out a drop over the ${margin}; ${moreText}`
        : null;
  return {
    verdict,
    reason: `${boundsText(ndcg.ci95, oldNdcg, labelled.length)}: ${because[verdict]}`,
    old,
    new: scores('new'),
    delta: { ndcg10: ndcg.delta, ci95: ndcg.ci95, pValue: ndcg.pValue },
    metricDeltas: { ndcg10: strip(ndcg), recall10: strip(compare('recall10')), mrr10: strip(compare('mrr10')) },
    queriesNeeded: needed,
    acknowledgement,
  };
}

function losersOf(labelled: readonly QueryOutcome[]): LosingQuery[] {
  return labelled
    .map((o) => ({
      query: o.query,
      old: METRICS.ndcg10(o.oldIds, o.relevant!),
      new: METRICS.ndcg10(o.newIds, o.relevant!),
      oldIds: o.oldIds,
      newIds: o.newIds,
    }))
    .filter((q) => q.new < q.old)
    .sort((a, b) => b.old - b.new - (a.old - a.new))
    .slice(0, WORST);
}

/**
 * The quality gate. With labelled queries: the paired per-query differences of nDCG@10,
 * their 95% interval and the non-inferiority margin decide (verdictOf). With only unlabelled
 * ones: PASS when overlap@10 reaches `minOverlap` (not gated without it). Without golden
 * queries: NOT_EVALUATED.
 */
export function qualityReport(
  outcomes: readonly QueryOutcome[],
  gate: GateSettings,
  measured: { annRecall10: number | null } = { annRecall10: null },
): QualityReport {
  const labelled = outcomes.filter((o) => o.relevant && ndcgAt(K, [], o.relevant) !== null);
  const overlap10 = mean(outcomes.map((o) => overlapAt(K, o.oldIds, o.newIds)));
  const base = {
    queries: { labelled: labelled.length, unlabelled: outcomes.length - labelled.length },
    overlap10,
    annRecall10: measured.annRecall10,
    warmup: null,
    margin: gate.maxDrop,
    minQuality: Math.round((1 - gate.maxDrop) * 1e9) / 1e9,
    minOverlap: gate.minOverlap,
  };
  if (labelled.length > 0) return { ...base, ...labelledReport(labelled, gate), losers: losersOf(labelled) };
  const unscored = { ...base, old: null, new: null, delta: null, metricDeltas: null, queriesNeeded: null, losers: [] };
  if (outcomes.length === 0)
    return { ...unscored, verdict: 'NOT_EVALUATED', acknowledgement: null, reason: 'the collection has no golden queries (reembed golden import)' };
  if (gate.minOverlap === null) {
    return {
      ...unscored,
      verdict: 'NOT_EVALUATED',
      acknowledgement: null,
      reason: `only unlabelled queries (overlap@10 ${metricText(overlap10)}) and no minimum overlap was set (--min-overlap)`,
    };
  }
  const pass = overlap10! >= gate.minOverlap;
  const reason = `overlap@10 of old and new ${metricText(overlap10)} on ${outcomes.length} unlabelled queries; the gate needs ≥ ${gate.minOverlap}`;
  return { ...unscored, verdict: pass ? 'PASS' : 'REGRESSION', reason, acknowledgement: pass ? null : `the top 10 changed beyond the floor: ${reason}` };
}

/**
 * What an approval of this report must acknowledge, or null. Reports recorded before the
 * gate stated its confidence carry no `acknowledgement`: their REGRESSION still needs one.
 */
export function acknowledgementNeeded(report: QualityReport | undefined): string | null {
  if (!report) return null;
  if (report.acknowledgement !== undefined) return report.acknowledgement;
  return report.verdict === 'REGRESSION' ? `the quality gate found a regression (${report.reason})` : null;
}

/** What `n` labelled queries can rule out when per-query differences spread with `sd`: ± this share of the old value. */
export function resolvableDrop(sd: number, queries: number, oldNdcg10: number): number {
  return halfWidth95(sd, queries) / oldNdcg10;
}

/** The report as markdown tables: the Temporal Web UI shows it under the workflow's current details. */
export function qualityMarkdown(report: QualityReport): string {
  const d = report.metricDeltas;
  const deltaCell = (m: MetricDelta | undefined) => (m ? `${intervalText(m.delta, m.ci95)} p=${m.pValue.toFixed(3)}` : '–');
  const row = (name: string, metric: Metric) =>
    `| ${name} | ${metricText(report.old?.[metric])} | ${metricText(report.new?.[metric])} | ${deltaCell(d?.[metric])} |`;
  const losers = report.losers ?? [];
  return [
    `**Quality gate: ${report.verdict}** — ${report.reason}.`,
    '',
    '| metric | old | new | Δ new − old [95% interval] |',
    '| --- | --- | --- | --- |',
    row('nDCG@10', 'ndcg10'),
    row('recall@10', 'recall10'),
    row('MRR@10', 'mrr10'),
    '',
    '| check | value |',
    '| --- | --- |',
    `| overlap@10 of old and new top 10 | ${metricText(report.overlap10)} |`,
    `| ANN recall@10 of the new index (kNN vs exact) | ${metricText(report.annRecall10)} |`,
    ...(report.warmup ? [`| search latency p50/p95, cold → warm | ${latencyText(report.warmup.cold)} → ${latencyText(report.warmup.warm)} |`] : []),
    `| golden queries | ${report.queries.labelled} labelled, ${report.queries.unlabelled} unlabelled |`,
    ...(report.margin !== undefined ? [`| margin (largest tolerated drop of nDCG@10) | ${(report.margin * 100).toFixed(1)}% of the old value |`] : []),
    ...(losers.length > 0
      ? [
          '',
          'Biggest losers (nDCG@10 old → new):',
          '',
          ...losers.slice(0, 5).map((q) => `- ${q.query.slice(0, 80)}: ${metricText(q.old)} → ${metricText(q.new)}`),
        ]
      : []),
  ].join('\n');
}
