import type { QualityVerdict } from '../migration/reports.js';
import { intervalText, metricText, qualityReport, type QueryOutcome } from '../migration/quality-gate.js';
import type { Judgements } from '../migration/retrieval-metrics.js';

/**
 * Whether an adapter is used, decided against what the user would get without it:
 * - labels: on the collection's labelled golden queries, the ranking with the adapter against
 *   the ranking without it (documents without text: the new index with or without their adapted
 *   vectors; a retired old spec: the new index merged with the old one through adapted queries,
 *   or the new index alone). Used when the quality gate's paired statistics find it no worse
 *   than its alternative within the margin (IMPROVEMENT or PASS);
 * - agreement: without labels, the held-out agreement of adapted search with the re-embedded
 *   top 10 must reach the minimum (0.9 unless set);
 * - override: `--min-adapter-recall` given explicitly, judged on agreement even with labels.
 */
export type AdapterBasis = 'labels' | 'agreement' | 'override';

/** Used when no labels judge and no minimum was given. */
export const DEFAULT_MIN_AGREEMENT = 0.9;

export interface LabelledComparison {
  readonly queries: number;
  readonly ndcg10: { readonly with: number; readonly without: number };
  readonly recall10: { readonly with: number; readonly without: number };
  readonly delta: { readonly ndcg10: number; readonly ci95: readonly [number, number]; readonly pValue: number };
  readonly verdict: QualityVerdict;
}

export interface AdapterJudgement {
  readonly basis: AdapterBasis;
  readonly usable: boolean;
  /** One sentence: what was compared and what it showed. */
  readonly reason: string;
  readonly labelled?: LabelledComparison;
  /** Labelled queries with a relevant document only the old index holds (the documents without text). */
  readonly queriesWithRelevantOnlyInOld?: number;
}

/** One labelled query's top 10 with the adapter and without it. */
export interface AdapterOutcome {
  readonly query: string;
  readonly relevant: Judgements;
  readonly withIds: readonly string[];
  readonly withoutIds: readonly string[];
}

const USABLE: ReadonlySet<QualityVerdict> = new Set(['IMPROVEMENT', 'PASS']);

/** The labelled decision; null when no query carries a relevant judgement (then agreement decides). */
export function judgeOnLabels(outcomes: readonly AdapterOutcome[], maxDrop: number, alternative: string): AdapterJudgement | null {
  // The gate's comparison, with "without the adapter" as the old side and "with it" as the new one.
  const asGate: QueryOutcome[] = outcomes.map((o) => ({ query: o.query, relevant: o.relevant, oldIds: o.withoutIds, newIds: o.withIds }));
  const report = qualityReport(asGate, { maxDrop, minOverlap: null });
  if (report.queries.labelled === 0 || !report.old || !report.new || !report.delta) return null;
  const labelled: LabelledComparison = {
    queries: report.queries.labelled,
    ndcg10: { with: report.new.ndcg10!, without: report.old.ndcg10! },
    recall10: { with: report.new.recall10!, without: report.old.recall10! },
    delta: report.delta,
    verdict: report.verdict,
  };
  const usable = USABLE.has(report.verdict);
  const reason =
    `on ${labelled.queries} labelled queries nDCG@10 is ${metricText(labelled.ndcg10.with)} with the adapter against ${metricText(labelled.ndcg10.without)} ${alternative} ` +
    `(Δ ${intervalText(labelled.delta.ndcg10, labelled.delta.ci95)} at 95%): ${report.verdict}, ` +
    (usable ? 'so it is used' : `so it is not used (it must be no worse than its alternative within the ${(maxDrop * 100).toFixed(0)}% margin)`);
  return { basis: 'labels', usable, reason, labelled };
}

/** The held-out agreement decision, named for what it measures. */
export function judgeOnAgreement(agreement: number, minAgreement: number, basis: 'agreement' | 'override'): AdapterJudgement {
  const usable = agreement >= minAgreement;
  const why = basis === 'override' ? 'the minimum was set explicitly (--min-adapter-recall)' : 'the collection has no labelled golden queries to judge it on';
  return {
    basis,
    usable,
    reason: `agreement with the re-embedded top 10 on held-out documents is ${agreement.toFixed(3)}, ${usable ? 'reaching' : 'below'} the required ${minAgreement}; ${why}`,
  };
}
