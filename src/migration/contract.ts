import { z } from 'zod';
import type { LatencySummary } from './latency.js';

const MAX_NAME = 200;
const MAX_NOTE = 2_000;
import { CollectionNotFoundError, IndexBlockedError, InvalidRegistryRecordError, ProviderConfigError, UnknownSpecError } from '../errors.js';
import type { MigrationEstimate } from '../estimate/migration-estimate.js';
import type { AdapterSummary } from '../store/adapters.js';
import { collectionNameSchema } from '../registry/collection-record.js';
import type { MigrationPhase } from './phases.js';

/**
 * Everything the client, the migration workflow and its activities exchange: one file,
 * one vocabulary. Plain names and types only, so each side imports it without pulling
 * in the other's runtime.
 */

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

export const MIGRATION_WORKFLOW_TYPE = 'migrationWorkflow';

export function migrationWorkflowId(collection: string): string {
  return `reembed:${collection}`;
}

export const migrationInputSchema = z.object({
  collection: collectionNameSchema,
  targetSpecId: z.string().min(1),
  /** Durable wait between approval and cutover; `rejectCutover` cancels it. */
  graceMs: z.int().nonnegative().default(HOUR_MS),
  /** How long the old index is kept (and still written) after cutover, for rollback. */
  retentionMs: z
    .int()
    .nonnegative()
    .default(7 * DAY_MS),
  /** Reject automatically when nobody decides within this time; null waits forever. */
  approvalTimeoutMs: z.int().positive().nullable().default(null),
  batchSize: z.int().min(1).max(1024).default(64),
  /** Batches one activity embeds before reporting back; it heartbeats after each. */
  batchesPerActivity: z.int().min(1).max(1000).default(4),
  /** How fast a dead worker is noticed; a batch must finish within it. */
  heartbeatTimeoutMs: z.int().min(1000).default(60_000),
  /** Backfill activities per workflow run before continue-as-new keeps history bounded. */
  activitiesPerRun: z.int().min(1).default(500),
  requestedBy: z.string().default('unknown'),
  /** Copy up to this many of the most-searched documents (router access statistics) first; 0 turns it off. */
  hotFirstLimit: z.int().nonnegative().default(10_000),
  /**
   * The longest a writer or router may act on a stale registry (their cache TTL, 2 s by
   * default). The workflow waits this long after changing write targets before it relies
   * on the change: before catch-up, and before deleting an index no longer written.
   */
  writerStalenessMs: z.int().nonnegative().default(5_000),
  /**
   * Publish phase and coverage as search attributes (the Web UI and `reembed list` filter
   * on them). Only for namespaces that cannot register them, such as the time-skipping
   * test server, is this off: upserting an unregistered attribute fails every workflow task.
   */
  searchAttributes: z.boolean().default(true),
  /** US dollars the migration may spend on embedding tokens; at the budget it pauses. Null: no budget. */
  budgetUsd: z.number().positive().nullable().default(null),
  /** Start even when Elasticsearch reports too little free disk for the new index. */
  force: z.boolean().default(false),
  /**
   * Non-inferiority margin of the quality gate: the largest drop of nDCG@10 on labelled golden
   * queries, as a fraction of the old value, that the new model may plausibly have (95% interval).
   * Absent: 1 − minQuality.
   */
  maxDrop: z.number().min(0).lt(1).optional(),
  /** The complement of maxDrop (0.98 = a 2% margin), kept for callers that set it. */
  minQuality: z.number().positive().max(1).default(0.98),
  /** With only unlabelled golden queries: the gate passes when overlap@10 of old and new is at least this. Null: not gated. */
  minOverlap: z.number().min(0).max(1).nullable().default(null),
  /**
   * Documents the source stores without text are given vectors mapped from their old ones
   * by a linear adapter, if its held-out recall@10 reaches this; otherwise they stay quarantined.
   */
  minAdapterRecall: z.number().min(0).max(1).default(0.9),
  /**
   * Partitions of the source (doc_id ranges cut at a random sample's quantiles) backfilled
   * at once; any worker on the task queue takes any partition. With a budget, one at a time.
   */
  parallelism: z.int().min(1).max(64).default(1),
  /** Distinct approvers the cutover needs (four eyes: 2). */
  approvals: z.int().min(1).max(10).default(1),
  /** Who may approve; null: anyone who can signal the workflow (Temporal's namespace permissions decide that). */
  approvers: z.array(z.string().trim().min(1).max(MAX_NAME)).min(1).nullable().default(null),
});
export type MigrationInput = z.output<typeof migrationInputSchema>;
export type MigrationRequest = z.input<typeof migrationInputSchema>;

// --- signals and the query (names are the wire protocol: running workflows depend on them) ---

/** Signal payloads are small: a longer name or note is refused, never stored in the status. */
const name = (field: string) => z.string().trim().min(1, `${field} is required`).max(MAX_NAME, `${field} is longer than ${MAX_NAME} characters`);
const text = (field: string) => z.string().max(MAX_NOTE, `${field} is longer than ${MAX_NOTE} characters`);

export const approveCutoverSchema = z.object({
  approver: name('approver'),
  note: text('note').optional(),
  /** Required to approve a migration whose quality gate found a regression. */
  acknowledgeRegression: z.boolean().optional(),
});
export const rejectCutoverSchema = z.object({ by: name('by'), reason: text('reason').trim().min(1, 'reason is required') });
export const operatorActionSchema = z.object({ by: name('by').default('unknown'), reason: text('reason').default('') });
export const resumeSchema = operatorActionSchema.extend({
  /** Dollars added to the budget (a migration paused at its budget needs more to go on). */
  addBudgetUsd: z.number().positive().optional(),
});
export type ApproveCutover = z.infer<typeof approveCutoverSchema>;
export type RejectCutover = z.infer<typeof rejectCutoverSchema>;
export type OperatorAction = z.input<typeof operatorActionSchema>;
export type ResumeAction = z.input<typeof resumeSchema>;

/** Each signal's payload schema and the description the Temporal Web UI shows beside it. */
export const SIGNALS = {
  approveCutover: {
    schema: approveCutoverSchema,
    description:
      'Approve moving the read alias to the new index. Payload: {"approver": "name", "note": "optional"}; after a quality REGRESSION also "acknowledgeRegression": true. Only in AWAITING_APPROVAL.',
  },
  rejectCutover: {
    schema: rejectCutoverSchema,
    description: 'Abandon the migration before cutover; the alias stays, the new index is deleted. Payload: {"by": "name", "reason": "why"}.',
  },
  pause: {
    schema: operatorActionSchema,
    description: 'Pause the backfill or catch-up after the current batch. Payload: {"by": "name", "reason": "optional"}.',
  },
  resume: {
    schema: resumeSchema,
    description:
      'Resume a paused migration (paused by an operator, at its budget, or for a provider misconfiguration fixed since). Payload: {"by": "name", "addBudgetUsd": 10}; addBudgetUsd is optional and raises the budget.',
  },
  rollback: {
    schema: operatorActionSchema,
    description: 'During RETENTION: move the alias back to the old index (which kept receiving writes). Payload: {"by": "name", "reason": "why"}.',
  },
  endRetention: {
    schema: operatorActionSchema,
    description: 'During RETENTION: finish now and delete the old index instead of waiting. Payload: {"by": "name", "reason": "optional"}.',
  },
} as const;
export type SignalName = keyof typeof SIGNALS;
/** Each action's payload as the workflow uses it (defaults applied). */
export type ActionPayloads = { [K in SignalName]: z.output<(typeof SIGNALS)[K]['schema']> };

/**
 * What an accepted operator action did, as its Update returns it: the phase it found, what
 * happens next, and for approvals how many of how many and when the cutover will run.
 */
export interface ActionOutcome {
  readonly action: SignalName;
  readonly phase: MigrationPhase;
  /** What happens next, in one sentence. */
  readonly next: string;
  readonly approvals?: { readonly given: number; readonly required: number };
  /** Set when this approval completed the decision: when the grace period ends and the alias moves. */
  readonly cutoverAt?: string;
}

/** The ApplicationFailure type of an Update its validator refused: the message is the reason. */
export const ACTION_REFUSED = 'ActionRefused';

export const STATUS_QUERY = 'status';
export const STATUS_QUERY_DESCRIPTION = 'Phase, counts, coverage, approvals and refused signals of this migration.';
/**
 * Updates carry the same names and payloads as the signals: the CLI and client send them and
 * learn at once whether the action was accepted (a refused one leaves nothing in history).
 */
export const UPDATE_DESCRIPTION_SUFFIX = ' As an Update it answers with what happens next, or is refused with the reason.';

// --- the workflow's state, as the status query returns it ---

export interface SignalRecord {
  readonly signal: string;
  readonly at: string;
  readonly by?: string;
  readonly reason?: string;
}

export type PausedBy = 'operator' | 'budget' | 'provider' | 'elasticsearch';

export interface QuarantineSample {
  readonly id: string;
  readonly reason: string;
}

export interface MigrationStatus {
  readonly collection: string;
  readonly workflowId: string;
  readonly phase: MigrationPhase;
  readonly paused: boolean;
  readonly pauseReason?: string;
  /** Who paused it: an operator's signal, the budget, or a provider misconfiguration (key, model). */
  readonly pausedBy?: PausedBy;
  readonly sourceSpecId?: string;
  readonly targetSpecId: string;
  readonly sourceIndex?: string;
  readonly targetIndex?: string;
  readonly documents: {
    readonly total: number;
    readonly migrated: number;
    readonly quarantined: number;
    /** Embedded from text cut at the spec's token limit. */
    readonly truncated: number;
  };
  readonly coverage: number;
  readonly tokens: number;
  readonly estimate?: MigrationEstimate;
  /** Dollars per million tokens this migration is charged at (spec price or config override). */
  readonly pricePerMillionTokens: number;
  /** From the tokens the provider reported for what was actually sent. */
  readonly spentUsd: number;
  readonly budgetUsd: number | null;
  readonly cursor: string | null;
  readonly startedAt: string;
  readonly phaseStartedAt: string;
  readonly backfillStartedAt?: string;
  /** The hot-first pass ran (or there were no access statistics). */
  readonly hotFirstDone?: boolean;
  readonly backfillEndedAt?: string;
  readonly quarantineSample: readonly QuarantineSample[];
  /** The backfill's partitions with their cursors (absent in migrations started before partitioning). */
  readonly partitions?: readonly PartitionProgress[];
  readonly catchUp: { readonly passes: number; readonly reembedded: number; readonly deleted: number };
  readonly verification?: VerificationReport;
  /** Search quality of the new index against the old on the collection's golden queries. */
  readonly quality?: QualityReport;
  /** Documents without text given adapted vectors, and the adapter that was measured for them. */
  readonly adaptation?: AdaptationReport;
  /** The approval that completed the decision (with four eyes, the last one needed). */
  readonly approval?: ApproveCutover & { readonly at: string };
  /** Every accepted approval so far, in order; absent in migrations started before four-eyes approval. */
  readonly approvals?: readonly (ApproveCutover & { readonly at: string })[];
  /** Distinct approvers the cutover needs. */
  readonly approvalsRequired?: number;
  readonly rejection?: RejectCutover & { readonly at: string };
  readonly rollback?: SignalRecord;
  readonly graceEndsAt?: string;
  readonly cutoverAt?: string;
  readonly retentionEndsAt?: string;
  readonly refusedSignals: readonly (SignalRecord & { readonly reason: string })[];
  readonly error?: string;
}

/** The quarantine reason of a document the source holds without text: what an adapter can still give a vector. */
export const NO_SOURCE_TEXT_REASON = 'the source stores no text for this document';

export interface AdaptationReport {
  /** Quarantined because the source stores no text for them. */
  readonly candidates: number;
  /** Written to the new index with adapted vectors (marked `adapted`), out of quarantine. */
  readonly adapted: number;
  /** The adapter fitted for them (weights stay in reembed-adapters); null when none was needed or it could not be fitted. */
  readonly adapter: AdapterSummary | null;
  /** Why no adapted vector was written, when none was. */
  readonly refused?: string;
}

export interface MigrationResult {
  readonly phase: MigrationPhase;
  readonly status: MigrationStatus;
}

// --- activity inputs and reports (counts and cursors only: vectors never enter history) ---

/** Quarantined documents the status names itself; the quarantine index holds them all. */
export const MAX_QUARANTINE_SAMPLE = 20;

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

/**
 * Failure types an activity raises when no retry can help: the ApplicationFailure types it
 * throws itself, and the error classes whose name Temporal takes as their type.
 */
export const FAILURE_TYPES = {
  migrationInProgress: 'MigrationInProgress',
  noSourceText: 'NoSourceText',
  sameVectorSpace: 'SameVectorSpace',
  invalidModelSpec: 'InvalidModelSpec',
  insufficientDisk: 'InsufficientDisk',
  aliasMoved: 'AliasMoved',
  activeIndexProtected: 'ActiveIndexProtected',
  invalidInput: 'InvalidInput',
  migrationFailed: 'MigrationFailed',
  providerConfig: ProviderConfigError.type,
  indexBlocked: IndexBlockedError.type,
} as const;

/** Listed in every activity's retry policy. ApplicationFailure.nonRetryable ones need no listing. */
export const NON_RETRYABLE_ERROR_TYPES: readonly string[] = [
  UnknownSpecError,
  CollectionNotFoundError,
  ProviderConfigError,
  InvalidRegistryRecordError,
  IndexBlockedError,
].map((e) => e.type);
