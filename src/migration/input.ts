import { z } from 'zod';
import { REGISTRY_CACHE_MS, writerStalenessFor } from './writer-staleness.js';
import { collectionNameSchema } from '../registry/collection-record.js';

/**
 * What starts a migration: the input the client validates and the workflow validates again.
 * Plain names and types only, so the client, the workflow and the activities each import it
 * without pulling in the others' runtime.
 */

/** The longest name (approver, operator, collection) a payload may carry. */
export const MAX_NAME = 200;

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
   * The longest a writer or router may act on a stale registry, well past their cache TTL
   * (REEMBED_REGISTRY_CACHE_MS). The workflow waits this long after changing write targets
   * before it relies on the change: before catch-up, and before deleting an index no longer
   * written. The client derives it from its own configuration.
   */
  writerStalenessMs: z.int().nonnegative().default(writerStalenessFor(REGISTRY_CACHE_MS)),
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
   * Documents the source stores without text are given vectors mapped from their old ones by a
   * linear adapter when it beats leaving them out on the labelled golden queries (or, without
   * labels, agrees with the re-embedded top 10 on 90% of held-out documents). Set, this minimum
   * agreement decides instead, labels or not.
   */
  minAdapterRecall: z.number().min(0).max(1).optional(),
  /**
   * Partitions of the source (doc_id ranges cut at a random sample's quantiles) backfilled
   * at once; any worker on the task queue takes any partition. With a budget, one at a time.
   */
  parallelism: z.int().min(1).max(64).default(1),
  /**
   * Backfill the cold documents through the OpenAI Batch API at its batch price (OpenAI specs
   * only): JSONL files of requests, batches with a 24-hour completion window, durable waits.
   * Hot-first documents, catch-up and live writes stay synchronous.
   */
  batchApi: z.boolean().default(false),
  /** How long the workflow sleeps (a durable timer) between looks at its open batches. */
  batchPollMs: z.int().min(100).default(60_000),
  /** Distinct approvers the cutover needs (four eyes: 2). */
  approvals: z.int().min(1).max(10).default(1),
  /** Who may approve; null: anyone who can signal the workflow (Temporal's namespace permissions decide that). */
  approvers: z.array(z.string().trim().min(1).max(MAX_NAME)).min(1).nullable().default(null),
});
export type MigrationInput = z.output<typeof migrationInputSchema>;
export type MigrationRequest = z.input<typeof migrationInputSchema>;
