import type { AdapterSummary } from '../store/adapters.js';
import type { ApproveCutover, RejectCutover } from './messages.js';
import type { MigrationPhase } from './phases.js';
import type { PartitionProgress, QualityReport, QuarantineSample, UnsearchableDocuments, VerificationReport } from './reports.js';
import type { MigrationEstimate } from '../estimate/migration-estimate.js';

/** The workflow's state as its status query returns it: the read model of one migration. */

export interface SignalRecord {
  readonly signal: string;
  readonly at: string;
  readonly by?: string;
  readonly reason?: string;
}

export type PausedBy = 'operator' | 'budget' | 'provider' | 'elasticsearch';

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
  /**
   * Bulk items Elasticsearch rejected with a full write queue (429) during the backfill, each
   * sent again alone after a backoff; absent in migrations started before they were counted.
   */
  readonly rejections?: number;
  readonly tokens: number;
  readonly estimate?: MigrationEstimate;
  /** Dollars per million tokens this migration is charged at (spec price or config override). */
  readonly pricePerMillionTokens: number;
  /** From the tokens the provider reported for what was actually sent (Batch API tokens at the batch price). */
  readonly spentUsd: number;
  /** Dollars per million tokens through the Batch API; absent where it does not serve the target spec. */
  readonly batchPricePerMillionTokens?: number;
  /** Of `tokens`, those billed through the Batch API. */
  readonly batchTokens?: number;
  /** The backfill through the OpenAI Batch API (`--batch-api`): its batches and what is left to submit. */
  readonly batchApi?: BatchApiProgress;
  /** Shards of the new index rebuilt empty after their node was lost for good (the catch-up copied their documents again). */
  readonly rebuiltShards?: readonly { readonly index: string; readonly shards: readonly number[]; readonly at: string }[];
  /** Embedding inputs not sent because another document of the same request or batch file had the same text. */
  readonly inputsSaved?: number;
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
  /**
   * Set by verification: the source documents no search will find once the alias moves to the
   * new index. An approval must acknowledge them (acknowledgeMissing) when there are any.
   */
  readonly unsearchableAfterCutover?: UnsearchableDocuments;
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

/** A source doc_id range still to be submitted: after `after` (exclusive), up to `upTo` (inclusive; null: the end). */
export interface BatchRange {
  readonly after: string | null;
  readonly upTo: string | null;
}

/** The Batch API's states, and `collected` once its output is written. */
export type BatchState = 'validating' | 'failed' | 'in_progress' | 'finalizing' | 'completed' | 'expired' | 'cancelling' | 'cancelled' | 'collected';

/** One batch the migration submitted; its requests are the documents of `range` the target lacked, one line per distinct text. */
export interface BatchRecord {
  readonly id: string;
  /** The submission's number within the migration, also in the batch's metadata. */
  readonly chunk: number;
  /** The source doc_ids its file covers: after `after`, up to and including `last`. */
  readonly range: { readonly after: string | null; readonly last: string };
  readonly state: BatchState;
  /** Requests in its file (distinct texts). */
  readonly lines: number;
  readonly documents: number;
  readonly linesDone: number;
  readonly linesFailed: number;
  /** Tokens counted at submission; once collected, the tokens OpenAI billed. */
  readonly tokens: number;
  readonly costUsd: number;
  readonly submittedAt: string;
  /** Why it ended without output for every line (expired, cancelled, failed, the queue was full). */
  readonly note?: string;
}

export interface BatchApiProgress {
  /** Ranges not yet in a batch: the rest of the source, and the unfinished lines of expired or cancelled batches. */
  readonly pending: readonly BatchRange[];
  readonly submissions: number;
  readonly batches: readonly BatchRecord[];
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
