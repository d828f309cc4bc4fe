import type { MigrationEstimate } from '../estimate/migration-estimate.js';
import type { LatencySummary } from './latency.js';

/** Activity inputs and reports: counts and cursors only, since vectors never enter history. */

/** Quarantined documents the status names itself; the quarantine index holds them all. */
export const MAX_QUARANTINE_SAMPLE = 20;

export interface QuarantineSample {
  readonly id: string;
  readonly reason: string;
}

/** Identifies one migration in every activity call. */
export interface MigrationRef {
  readonly collection: string;
  readonly workflowId: string;
}

export interface MigrationIndexes extends MigrationRef {
  readonly sourceIndex: string;
  readonly targetIndex: string;
  readonly targetSpecId: string;
}

export interface Prepared {
  readonly sourceSpecId: string;
  readonly sourceIndex: string;
  readonly targetIndex: string;
  /** Documents and the price this migration is charged at come from here. */
  readonly estimate: MigrationEstimate;
  /** The target spec's probe request is billed like any other. */
  readonly probeTokens: number;
}

/** What one backfill activity (or the hot-first pass) copied. */
export interface ChunkReport {
  readonly cursor: string | null;
  /** The worker process that ran the activity (`host:pid`). */
  readonly executedBy?: string;
  readonly migrated: number;
  /**
   * Documents the scanned pages found already in the target with their current text, so
   * not written again. Absent from reports recorded before it was counted.
   */
  readonly alreadyPresent?: number;
  readonly quarantined: number;
  readonly quarantineSample: readonly QuarantineSample[];
  readonly tokens: number;
  readonly truncated: number;
  readonly done: boolean;
  /** The next batch would have gone past the token allowance; nothing of it was sent. */
  readonly budgetReached?: boolean;
  /** Bulk items a node rejected with a full write queue (429) and that were sent again; absent before they were counted. */
  readonly rejections?: number;
  /** Documents that shared an embedding input with another of the same text. */
  readonly inputsSaved?: number;
}

/** What one catch-up pass changed in the target. */
export interface CatchUpReport {
  readonly reembedded: number;
  readonly deleted: number;
  readonly quarantined: number;
  readonly tokens: number;
  readonly truncated: number;
  readonly budgetReached: boolean;
}

/** Source documents the new index lacks (quarantined, not adapted): no search finds them once the alias moves. */
export interface UnsearchableDocuments {
  readonly count: number;
  /** The first of them, in doc_id order. */
  readonly ids: readonly string[];
  /** How many for each quarantine reason (the most common ones; the rest under "other reasons"). */
  readonly reasons: Readonly<Record<string, number>>;
}

export interface VerificationReport {
  readonly ok: boolean;
  readonly sourceCount: number;
  readonly targetCount: number;
  readonly quarantined: number;
  readonly coverage: number;
  readonly fingerprints: Record<string, number>;
  readonly sampleQueries: number;
  readonly sampleHits: number;
  readonly problems: readonly string[];
  /** Spent embedding the sample queries with the target spec. */
  readonly tokens: number;
  /** Absent from reports recorded before approvals had to acknowledge them. */
  readonly unsearchableAfterCutover?: UnsearchableDocuments;
}

/**
 * IMPROVEMENT: the 95% interval of Δ nDCG@10 lies above 0. PASS: its lower end is above the
 * margin (no larger drop is plausible). REGRESSION: its upper end is below the margin.
 * INCONCLUSIVE: the interval spans the margin. NOT_EVALUATED: nothing to judge by.
 */
export type QualityVerdict = 'IMPROVEMENT' | 'PASS' | 'REGRESSION' | 'INCONCLUSIVE' | 'NOT_EVALUATED';

/** One metric's paired comparison over the labelled queries (new − old). */
export interface MetricDelta {
  readonly delta: number;
  readonly ci95: readonly [number, number];
  readonly pValue: number;
  /** Standard deviation of the per-query differences. */
  readonly sd: number;
}

export interface RetrievalScores {
  readonly ndcg10: number | null;
  readonly recall10: number | null;
  readonly mrr10: number | null;
}

/**
 * The grace period's warm-up: the golden queries and the most frequent sampled traffic
 * queries, searched against the new index pass after pass. `cold` is the first pass, `warm`
 * the passes after it.
 */
export interface WarmupReport {
  readonly queries: number;
  /** Of `queries`, how many came from the router's traffic sample. */
  readonly trafficQueries: number;
  readonly passes: number;
  readonly cold: LatencySummary;
  readonly warm: LatencySummary;
}

/** A doc_id range of the source, `(lower, upper]` (null: open), and how far its backfill got. */
export interface PartitionProgress {
  readonly lower: string | null;
  readonly upper: string | null;
  /** Source documents in the range when the partitions were planned. */
  readonly documents: number;
  /** The last doc_id written; the next activity continues after it. */
  readonly cursor: string | null;
  /**
   * Documents of the range the target holds with their current text: written by its
   * backfill, or found there already (hot-first pass, live writes, an attempt that crashed
   * after writing a batch but before reporting it).
   */
  readonly migrated: number;
  readonly quarantined: number;
  readonly done: boolean;
  /** Worker processes that ran its activities. */
  readonly workers: readonly string[];
}

/** A labelled query the new index scores lower on (nDCG@10). */
export interface LosingQuery {
  readonly query: string;
  readonly old: number;
  readonly new: number;
  readonly oldIds: readonly string[];
  readonly newIds: readonly string[];
}

/**
 * The quality gate's evidence, as `status --json` prints it under `quality`. Fields marked
 * optional are absent from reports recorded before the gate stated its confidence: running
 * migrations carry those reports on.
 */
export interface QualityReport {
  readonly verdict: QualityVerdict;
  /** Why the verdict is what it is, in one sentence: what the data rules out. */
  readonly reason: string;
  readonly queries: { readonly labelled: number; readonly unlabelled: number };
  readonly old: RetrievalScores | null;
  readonly new: RetrievalScores | null;
  /** Δ nDCG@10 (new − old) with its 95% bootstrap interval and sign-flip p-value; null without labelled queries. */
  readonly delta?: { readonly ndcg10: number; readonly ci95: readonly [number, number]; readonly pValue: number } | null;
  /** The same statistics for each metric; the verdict is on nDCG@10. */
  readonly metricDeltas?: { readonly ndcg10: MetricDelta; readonly recall10: MetricDelta; readonly mrr10: MetricDelta } | null;
  /** Non-inferiority margin: the largest drop of nDCG@10 tolerated, as a fraction of the old value. */
  readonly margin?: number;
  /** INCONCLUSIVE: labelled queries that would likely decide, from the per-query spread; null otherwise. */
  readonly queriesNeeded?: number | null;
  /** What an approval must acknowledge (REGRESSION, INCONCLUSIVE), in the words the refusal uses; null when nothing. */
  readonly acknowledgement?: string | null;
  readonly overlap10: number | null;
  /** Recall@10 of the new index's kNN against an exact search over its vectors, on a sample of up to 50 golden queries. */
  readonly annRecall10: number | null;
  /** The labelled queries that lost the most nDCG@10 (at most 10). */
  readonly losers?: readonly LosingQuery[];
  /** Cold and warm search latency of the new index, measured in the grace period. */
  readonly warmup: WarmupReport | null;
  /** 1 − margin: the share of the old nDCG@10 the new one must plausibly keep. */
  readonly minQuality: number;
  readonly minOverlap: number | null;
}
