import type { MigrationInput } from './input.js';
import type { ActionOutcome, SignalName } from './messages.js';
import { BatchLedger } from './batch-ledger.js';
import { OperatorDecisions } from './operator-decisions.js';
import type { MigrationPhase } from './phases.js';
import { ProgressAccounting } from './progress-accounting.js';
import type { MigrationStatus } from './status.js';
import { now, StatusCell } from './status-cell.js';

export { MAX_CATCH_UP_PASSES, type CatchUpNext } from './progress-accounting.js';

/**
 * The rules of one migration, kept apart from the workflow so they are tested without a
 * server: the progress accounting (what each report does to the counts and the budget),
 * which it extends, and the operator decisions (which action is allowed in which phase),
 * which it fronts. Both update the one status the query returns. The workflow only wires
 * handlers and activities to it.
 */
export class MigrationState extends ProgressAccounting {
  private readonly decisions: OperatorDecisions;
  /** The Batch API backfill's batches and ranges (`--batch-api`). */
  readonly batches: BatchLedger;

  constructor(input: MigrationInput, workflowId: string, resumeFrom?: MigrationStatus) {
    const at = now();
    const cell = new StatusCell(
      resumeFrom ?? {
        collection: input.collection,
        workflowId,
        phase: 'PREPARING',
        paused: false,
        targetSpecId: input.targetSpecId,
        documents: { total: 0, migrated: 0, quarantined: 0, truncated: 0 },
        coverage: 0,
        tokens: 0,
        pricePerMillionTokens: 0,
        spentUsd: 0,
        budgetUsd: input.budgetUsd,
        cursor: null,
        startedAt: at,
        phaseStartedAt: at,
        quarantineSample: [],
        catchUp: { passes: 0, reembedded: 0, deleted: 0 },
        refusedSignals: [],
        approvals: [],
        approvalsRequired: input.approvals,
      },
    );
    super(cell);
    this.decisions = new OperatorDecisions(cell, input);
    this.batches = new BatchLedger(cell);
  }

  get status(): MigrationStatus {
    return this.cell.value;
  }
  get phase(): MigrationPhase {
    return this.cell.value.phase;
  }
  get paused(): boolean {
    return this.cell.value.paused;
  }

  enter(phase: MigrationPhase, extra: Partial<MigrationStatus> = {}): void {
    this.cell.value = { ...this.cell.value, ...extra, phase, phaseStartedAt: now() };
  }

  failed(message: string): void {
    this.enter('FAILED', { error: message });
  }

  // --- operator actions (see OperatorDecisions) ---

  get approved(): boolean {
    return this.decisions.approved;
  }
  get rejected(): boolean {
    return this.decisions.rejected;
  }
  get wantsRollback(): boolean {
    return this.decisions.wantsRollback;
  }
  get wantsEndRetention(): boolean {
    return this.decisions.wantsEndRetention;
  }
  refusal(action: SignalName, payload: unknown): string | null {
    return this.decisions.refusal(action, payload);
  }
  perform(action: SignalName, payload: unknown): ActionOutcome {
    return this.decisions.perform(action, payload);
  }
  signal(action: SignalName, payload: unknown): void {
    this.decisions.signal(action, payload);
  }
  approvalTimedOut(timeoutMs: number): void {
    this.decisions.approvalTimedOut(timeoutMs);
  }
}
