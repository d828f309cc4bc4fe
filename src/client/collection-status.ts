import type { MigrationEstimate } from '../estimate/migration-estimate.js';
import type { BatchRecord, MigrationStatus } from '../migration/status.js';
import type { QualityReport, QuarantineSample, UnsearchableDocuments } from '../migration/reports.js';
import type { MigrationPhase } from '../migration/phases.js';
import { backfillRate, remainingDocuments } from '../migration/progress.js';
import type { CollectionRecord, WriteTarget } from '../registry/collection-record.js';
import type { AdapterSummary } from '../store/adapters.js';

/** What `reembed status --json` prints and other services read. */
export interface CollectionStatus {
  readonly collection: string;
  /** NONE when the collection has never been migrated. */
  readonly phase: MigrationPhase | 'NONE';
  readonly workflowId: string;
  readonly workflowStatus: string | null;
  /** False when no worker answered the status query; counts are then unknown. */
  readonly live: boolean;
  readonly webUiUrl: string;
  readonly sourceIndex: string | null;
  readonly targetIndex: string | null;
  readonly aliasTarget: string | null;
  readonly activeIndex: string;
  readonly activeSpecId: string;
  readonly writeTargets: readonly WriteTarget[];
  readonly documents: MigrationStatus['documents'];
  readonly coverage: number;
  readonly paused: boolean;
  readonly pausedBy: MigrationStatus['pausedBy'] | null;
  readonly pauseReason: string | null;
  readonly docsPerSecond: number | null;
  readonly etaSeconds: number | null;
  readonly tokens: number;
  /** Bulk items Elasticsearch rejected with a full write queue and that the backfill sent again. */
  readonly rejections: number;
  readonly spentUsd: number;
  readonly budgetUsd: number | null;
  /** The Batch API backfill's batches (id, state, lines done/failed, tokens, cost); empty without --batch-api. */
  readonly batches: readonly BatchRecord[];
  /** Embedding inputs not sent because another document of the same request or batch file had the same text. */
  readonly inputsSaved: number;
  readonly estimate: MigrationEstimate | null;
  readonly quarantinedDocuments: readonly QuarantineSample[];
  /** The quality gate's report (old vs new on the golden queries); null until verification has run. */
  readonly quality: QualityReport | null;
  /**
   * Adapters fitted between this migration's indexes (weights left out), with their held-out
   * recall@10 for adapted documents and adapted queries, and whether each passed its gate.
   */
  readonly adapters: readonly AdapterSummary[];
  /** Documents without text given adapted vectors in the new index (they carry `adapted: true`). */
  readonly adaptedDocuments: number;
  /**
   * Source documents the new index lacks (quarantined, not adapted): no search finds them once
   * the alias moves, so an approval must acknowledge them. Null until verification has run.
   */
  readonly unsearchableAfterCutover: UnsearchableDocuments | null;
  /** Share of the 100 most-searched documents already in the new index; null without access statistics. */
  readonly hotSetMigrated: number | null;
  readonly migration: MigrationStatus | null;
}

/** What Temporal says of the collection's migration workflow. */
export interface MigrationView {
  /** The workflow's own status; null when no worker answered the query. */
  readonly status: MigrationStatus | null;
  readonly workflowStatus: string;
  /** The phase its search attribute last recorded. */
  readonly recordedPhase: string | null;
}

export interface StatusSources {
  readonly record: CollectionRecord;
  readonly workflowId: string;
  readonly webUiUrl: string;
  readonly aliasTargets: readonly string[];
  readonly run: MigrationView | null;
  readonly quarantined: readonly QuarantineSample[];
  /** The most-searched documents and how many of them the new index holds; null without access statistics. */
  readonly hotSet: { readonly size: number; readonly inTarget: number } | null;
  readonly adapters: readonly AdapterSummary[];
  readonly nowMs: number;
}

/**
 * Joins the workflow's view with the registry and the live alias into one status. Pure:
 * the client reads the sources, this decides what they mean.
 */
export function collectionStatus(sources: StatusSources): CollectionStatus {
  const { record, run, aliasTargets } = sources;
  const m = run?.status ?? null;
  const rate = backfillRate(m, sources.nowMs);
  return {
    collection: record.collection,
    phase: m?.phase ?? ((run?.recordedPhase ?? record.migration?.phase ?? 'NONE') as MigrationPhase | 'NONE'),
    workflowId: sources.workflowId,
    workflowStatus: run?.workflowStatus ?? null,
    live: m !== null,
    webUiUrl: sources.webUiUrl,
    sourceIndex: m?.sourceIndex ?? record.migration?.sourceIndex ?? null,
    targetIndex: m?.targetIndex ?? record.migration?.targetIndex ?? null,
    aliasTarget: aliasTargets.length === 0 ? null : aliasTargets.join(','),
    activeIndex: record.activeIndex,
    activeSpecId: record.activeSpecId,
    writeTargets: record.writeTargets,
    documents: m?.documents ?? { total: 0, migrated: 0, quarantined: 0, truncated: 0 },
    coverage: m?.coverage ?? 1,
    paused: m?.paused ?? false,
    pausedBy: m?.pausedBy ?? null,
    pauseReason: m?.pauseReason ?? null,
    docsPerSecond: rate,
    etaSeconds: m && rate && rate > 0 ? Math.ceil(remainingDocuments(m) / rate) : null,
    tokens: m?.tokens ?? 0,
    rejections: m?.rejections ?? 0,
    spentUsd: m?.spentUsd ?? 0,
    budgetUsd: m?.budgetUsd ?? null,
    batches: m?.batchApi?.batches ?? [],
    inputsSaved: m?.inputsSaved ?? 0,
    estimate: m?.estimate ?? null,
    quarantinedDocuments: m ? sources.quarantined : [],
    quality: m?.quality ?? null,
    adapters: sources.adapters,
    adaptedDocuments: m?.adaptation?.adapted ?? 0,
    unsearchableAfterCutover: m?.unsearchableAfterCutover ?? null,
    hotSetMigrated: sources.hotSet && sources.hotSet.size > 0 ? sources.hotSet.inTarget / sources.hotSet.size : null,
    migration: m,
  };
}
