import type { QualityReport } from '../migration/contract.js';
import { latencyText } from '../migration/latency.js';
import { metricText as fixed } from '../migration/quality-gate.js';

/**
 * The quality gate's report as a table: `reembed quality` prints it whole, `reembed status`
 * without the per-query losers. Lines carry no indentation of their own.
 */
export function renderQuality(q: QualityReport, options: { losers: boolean }): string[] {
  const row = (name: string, old: string, fresh: string) => `${name.padEnd(28)} ${old.padStart(7)} ${fresh.padStart(7)}`;
  const lines = [
    `${q.verdict} — ${q.reason}`,
    row('', 'old', 'new'),
    row('nDCG@10', fixed(q.old?.ndcg10), fixed(q.new?.ndcg10)),
    row('recall@10', fixed(q.old?.recall10), fixed(q.new?.recall10)),
    row('MRR@10', fixed(q.old?.mrr10), fixed(q.new?.mrr10)),
    row('overlap@10 (old vs new)', '', fixed(q.overlap10)),
    row('ANN recall@10 (kNN vs exact)', '', fixed(q.annRecall10)),
    `golden queries: ${q.queries.labelled} labelled, ${q.queries.unlabelled} unlabelled; gate ≥ ${q.minQuality} × old nDCG@10${q.minOverlap !== null ? `, or overlap@10 ≥ ${q.minOverlap} when unlabelled` : ''}`,
  ];
  const w = q.warmup;
  if (w) {
    lines.push(
      `warm-up: ${w.queries} queries (${w.trafficQueries} from traffic) × ${w.passes} passes; latency p50/p95 cold ${latencyText(w.cold)} → warm ${latencyText(w.warm)}`,
    );
  } else lines.push('warm-up: not yet (runs in the grace period, after approval)');
  if (options.losers && q.worstQueries.length > 0) {
    lines.push('biggest losers (nDCG@10 old → new, query, new top 3):');
    for (const l of q.worstQueries)
      lines.push(`  ${fixed(l.oldNdcg10)} → ${fixed(l.newNdcg10)}  ${l.query.slice(0, 70)}  [${l.newIds.slice(0, 3).join(', ')}]`);
  }
  return lines;
}
