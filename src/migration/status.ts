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
