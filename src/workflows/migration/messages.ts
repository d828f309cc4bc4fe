import { defineQuery, defineSignal } from '@temporalio/workflow';
import { z } from 'zod';
import type { MigrationEstimate } from '../../estimate/migration-estimate';
import { collectionNameSchema, type MigrationPhase } from '../../registry/collection-record';

/** Everything a client and the migration workflow exchange. One file, one vocabulary. */

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

export const migrationInputSchema = z.object({
  collection: collectionNameSchema,
  targetSpecId: z.string().min(1),
  /** Durable wait between approval and cutover; `rejectCutover` cancels it. */
  graceMs: z.int().nonnegative().default(HOUR_MS),
  /** How long the old index is kept (and still written) after cutover, for rollback. */
  retentionMs: z.int().nonnegative().default(7 * DAY_MS),
  /** Reject automatically when nobody decides within this time; null waits forever. */
  approvalTimeoutMs: z.int().positive().nullable().default(null),
  batchSize: z.int().min(1).max(1024).default(64),
  /** Batches one activity embeds before reporting back; it heartbeats after each. */
  batchesPerActivity: z.int().min(1).max(1000).default(2),
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
});
export type MigrationInput = z.output<typeof migrationInputSchema>;
export type MigrationRequest = z.input<typeof migrationInputSchema>;

export const approveCutoverSchema = z.object({ approver: z.string().trim().min(1, 'approver is required'), note: z.string().optional() });
export const rejectCutoverSchema = z.object({ by: z.string().trim().min(1, 'by is required'), reason: z.string().trim().min(1, 'reason is required') });
export const operatorActionSchema = z.object({ by: z.string().trim().min(1).default('unknown'), reason: z.string().default('') });
export const resumeSchema = operatorActionSchema.extend({
  /** Dollars added to the budget (a migration paused at its budget needs more to go on). */
  addBudgetUsd: z.number().positive().optional(),
});
export type ApproveCutover = z.infer<typeof approveCutoverSchema>;
export type RejectCutover = z.infer<typeof rejectCutoverSchema>;
export type OperatorAction = z.input<typeof operatorActionSchema>;
export type ResumeAction = z.input<typeof resumeSchema>;

// Payloads stay `unknown` on the wire so a malformed signal from the Web UI is recorded
// and refused by the workflow instead of failing its decoding.
export const approveCutoverSignal = defineSignal<[unknown]>('approveCutover');
export const rejectCutoverSignal = defineSignal<[unknown]>('rejectCutover');
export const pauseSignal = defineSignal<[unknown]>('pause');
export const resumeSignal = defineSignal<[unknown]>('resume');
export const rollbackSignal = defineSignal<[unknown]>('rollback');
export const endRetentionSignal = defineSignal<[unknown]>('endRetention');

export const SIGNAL_DESCRIPTIONS = {
  approveCutover: 'Approve moving the read alias to the new index. Payload: {"approver": "name", "note": "optional"}. Only in AWAITING_APPROVAL.',
  rejectCutover: 'Abandon the migration before cutover; the alias stays, the new index is deleted. Payload: {"by": "name", "reason": "why"}.',
  pause: 'Pause the backfill or catch-up after the current batch. Payload: {"by": "name", "reason": "optional"}.',
  resume: 'Resume a paused migration (paused by an operator, at its budget, or for a provider misconfiguration fixed since). Payload: {"by": "name", "addBudgetUsd": 10}; addBudgetUsd is optional and raises the budget.',
  rollback: 'During RETENTION: move the alias back to the old index (which kept receiving writes). Payload: {"by": "name", "reason": "why"}.',
  endRetention: 'During RETENTION: finish now and delete the old index instead of waiting. Payload: {"by": "name", "reason": "optional"}.',
} as const;

export interface SignalRecord {
  readonly signal: string;
  readonly at: string;
  readonly by?: string;
  readonly reason?: string;
}

export interface MigrationStatus {
  readonly collection: string;
  readonly workflowId: string;
  readonly phase: MigrationPhase;
  readonly paused: boolean;
  readonly pauseReason?: string;
  /** Who paused it: an operator's signal, the budget, or a provider misconfiguration (key, model). */
  readonly pausedBy?: 'operator' | 'budget' | 'provider';
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
  readonly quarantineSample: readonly { readonly id: string; readonly reason: string }[];
  readonly catchUp: { readonly passes: number; readonly reembedded: number; readonly deleted: number };
  readonly verification?: VerificationReport;
  readonly approval?: ApproveCutover & { readonly at: string };
  readonly rejection?: RejectCutover & { readonly at: string };
  readonly rollback?: SignalRecord;
  readonly graceEndsAt?: string;
  readonly cutoverAt?: string;
  readonly retentionEndsAt?: string;
  readonly refusedSignals: readonly (SignalRecord & { readonly reason: string })[];
  readonly error?: string;
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

export interface MigrationResult {
  readonly phase: MigrationPhase;
  readonly status: MigrationStatus;
}

export const statusQuery = defineQuery<MigrationStatus>('status');

export function migrationWorkflowId(collection: string): string {
  return `reembed:${collection}`;
}
