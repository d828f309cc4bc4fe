import type { MetricDelta, QualityReport } from '../migration/reports.js';
import { latencyText } from '../migration/latency.js';
import { intervalText, metricText as fixed } from '../migration/quality-gate.js';

const deltaText = (m: MetricDelta | undefined) => (m ? `${intervalText(m.delta, m.ci95)}  p=${m.pValue.toFixed(3)}` : '');

/**
 * The quality gate's report as a table: `reembed quality` prints it whole, `reembed status`
 * without the per-query losers. Lines carry no indentation of their own.
 */
export function renderQuality(q: QualityReport, options: { losers: boolean }): string[] {
  const row = (name: string, old: string, fresh: string, delta = '') => `${name.padEnd(28)} ${old.padStart(7)} ${fresh.padStart(7)}   ${delta}`.trimEnd();
  const d = q.metricDeltas;
  const margin = q.margin ?? 1 - q.minQuality;
  const lines = [
    `${q.verdict} — ${q.reason}`,
    row('', 'old', 'new', 'Δ new − old [95% interval]'),
    row('nDCG@10', fixed(q.old?.ndcg10), fixed(q.new?.ndcg10), deltaText(d?.ndcg10)),
    row('recall@10', fixed(q.old?.recall10), fixed(q.new?.recall10), deltaText(d?.recall10)),
    row('MRR@10', fixed(q.old?.mrr10), fixed(q.new?.mrr10), deltaText(d?.mrr10)),
    `overlap@10 of old and new top 10: ${fixed(q.overlap10)}; ANN recall@10 of the new index (kNN vs exact): ${fixed(q.annRecall10)}`,
    `golden queries: ${q.queries.labelled} labelled, ${q.queries.unlabelled} unlabelled; margin: a drop of at most ${(margin * 100).toFixed(1)}% of the old nDCG@10${q.minOverlap !== null ? `; overlap@10 ≥ ${q.minOverlap} when unlabelled` : ''}`,
  ];
  if (q.acknowledgement) lines.push(`approval must acknowledge (--acknowledge-regression): ${q.acknowledgement}`);
  const w = q.warmup;
  if (w) {
    lines.push(
      `warm-up: ${w.queries} queries (${w.trafficQueries} from traffic) × ${w.passes} passes; latency p50/p95 cold ${latencyText(w.cold)} → warm ${latencyText(w.warm)}`,
    );
  } else lines.push('warm-up: not yet (runs in the grace period, after approval)');
  const losers = q.losers ?? [];
  if (options.losers && losers.length > 0) {
    lines.push('biggest losers (nDCG@10 old → new, query, new top 3):');
    for (const l of losers) lines.push(`  ${fixed(l.old)} → ${fixed(l.new)}  ${l.query.slice(0, 70)}  [${l.newIds.slice(0, 3).join(', ')}]`);
  }
  return lines;
}
