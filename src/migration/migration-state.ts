import {
  MAX_QUARANTINE_SAMPLE,
  SIGNALS,
  type ActionOutcome,
  type ActionPayloads,
  type SignalName,
  type CatchUpReport,
  type ChunkReport,
  type MigrationInput,
  type MigrationStatus,
  type Prepared,
  type PartitionProgress,
  type PausedBy,
  type QualityReport,
  type WarmupReport,
  type SignalRecord,
  type VerificationReport,
  type AdaptationReport,
} from './contract.js';
import { coverage } from './coverage.js';
import { BEFORE_CUTOVER, PAUSABLE, type MigrationPhase } from './phases.js';
import { acknowledgementNeeded } from './quality-gate.js';

/** One operator action's rule: why it is refused in the current state, and what applying it does. */
interface ActionRule<P> {
  refuse(payload: P): string | null;
  apply(payload: P): Omit<ActionOutcome, 'action' | 'phase'>;
}

/** Refused signals kept in the status; older ones fall off. */
const MAX_REFUSED = 20;
/**
 * Catch-up passes that still found work before verification goes ahead anyway: live writes
 * keep arriving, so the target may never be quiet; dual-write covers what arrives after.
 */
export const MAX_CATCH_UP_PASSES = 10;

/** What the workflow does after a catch-up pass. */
export type CatchUpNext = 'again' | 'paused' | 'done';

// Workflow time inside the workflow (deterministic), the clock in unit tests.
const now = () => new Date().toISOString();

/**
 * The rules of one migration — which signal is allowed in which phase, and what each
 * report does to the counts — kept apart from the workflow so they are tested without
 * a server. The workflow only wires handlers and activities to it.
 */
export class MigrationState {
  private s: MigrationStatus;
  private rollbackRequested = false;
  private endRetentionRequested = false;
  /** Catch-up passes counted towards MAX_CATCH_UP_PASSES (a pass stopped at the budget is not). */
  private catchUpPassesCounted = 0;

  private readonly approvalsRequired: number;
  private readonly allowedApprovers: readonly string[] | null;

  constructor(input: MigrationInput, workflowId: string, resumeFrom?: MigrationStatus) {
    const at = now();
    this.approvalsRequired = input.approvals;
    this.allowedApprovers = input.approvers;
    this.s = resumeFrom ?? {
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
    };
  }

  get status(): MigrationStatus {
    return this.s;
  }
  get phase(): MigrationPhase {
    return this.s.phase;
  }
  get paused(): boolean {
    return this.s.paused;
  }
  get approved(): boolean {
    return this.s.approval !== undefined;
  }
  get rejected(): boolean {
    return this.s.rejection !== undefined;
  }
  get wantsRollback(): boolean {
    return this.rollbackRequested;
  }
  get wantsEndRetention(): boolean {
    return this.endRetentionRequested;
  }

  enter(phase: MigrationPhase, extra: Partial<MigrationStatus> = {}): void {
    this.s = { ...this.s, ...extra, phase, phaseStartedAt: now() };
  }

  /**
   * Copying begins. The backfill's rate (status ETA, benchmarks) counts from here, not from
   * entering the phase: recording a phase waits for a registry refresh, about a second that
   * is bookkeeping, not backfill.
   */
  backfillBegins(): void {
    this.s = { ...this.s, backfillStartedAt: now() };
  }

  /** Records what Prepare found; the workflow then enters BACKFILLING. */
  prepared(p: Prepared): void {
    const { probeTokens, ...rest } = p;
    const { documents: total, pricePerMillionTokens } = p.estimate;
    this.s = { ...this.s, ...rest, pricePerMillionTokens, documents: { ...this.s.documents, total } };
    this.s = { ...this.s, ...this.spend(probeTokens) };
  }

  /** The hot-first pass runs once, before the regular backfill has copied anything. */
  needsHotFirst(limit: number): boolean {
    return this.s.cursor === null && limit > 0 && !this.s.hotFirstDone;
  }

  hotFirstDone(): void {
    this.s = { ...this.s, hotFirstDone: true };
  }

  /**
   * Whether this run should hand over to a new one (continue-as-new, carrying the status
   * and its cursor): after `activitiesPerRun` backfill activities, or when Temporal says
   * the history grows large. Keeps history bounded for millions of documents.
   */
  shouldContinueAsNew(activitiesThisRun: number, activitiesPerRun: number, suggestedByTemporal: boolean): boolean {
    return activitiesThisRun >= activitiesPerRun || suggestedByTemporal;
  }

  /** The backfill's partitions, planned once; continue-as-new carries them with their cursors. */
  partitioned(partitions: readonly PartitionProgress[]): void {
    this.s = { ...this.s, partitions };
  }

  /**
   * Partitions to start now: those not done and not running, while fewer than
   * `parallelism` run (one at a time with a budget, so no two batches spend the same
   * remaining dollars).
   */
  partitionsToStart(running: ReadonlySet<number>, parallelism: number): number[] {
    const limit = this.s.budgetUsd === null ? parallelism : 1;
    const waiting = (this.s.partitions ?? []).flatMap((p, i) => (p.done || running.has(i) ? [] : [i]));
    return waiting.slice(0, Math.max(0, limit - running.size));
  }

  get partitionsDone(): boolean {
    return (this.s.partitions ?? []).every((p) => p.done);
  }

  /** Counts a partition's chunk in: its cursor, counts and workers, and the migration's totals. */
  applyPartitionChunk(index: number, chunk: ChunkReport): void {
    const partitions = (this.s.partitions ?? []).map((p, i) =>
      i !== index
        ? p
        : {
            ...p,
            cursor: chunk.cursor,
            migrated: p.migrated + chunk.migrated + (chunk.alreadyPresent ?? 0),
            quarantined: p.quarantined + chunk.quarantined,
            done: chunk.done && !chunk.budgetReached,
            workers: chunk.executedBy && !p.workers.includes(chunk.executedBy) ? [...p.workers, chunk.executedBy] : p.workers,
          },
    );
    this.s = { ...this.s, partitions };
    this.applyChunk(chunk);
  }

  /** Counts a backfill chunk in; at the budget the migration pauses. */
  applyChunk(chunk: ChunkReport): void {
    const documents = {
      total: Math.max(this.s.documents.total, this.s.documents.migrated + chunk.migrated + this.s.documents.quarantined + chunk.quarantined),
      migrated: this.s.documents.migrated + chunk.migrated,
      quarantined: this.s.documents.quarantined + chunk.quarantined,
      truncated: this.s.documents.truncated + chunk.truncated,
    };
    this.s = {
      ...this.s,
      ...this.spend(chunk.tokens),
      cursor: chunk.cursor,
      documents,
      coverage: coverage(documents),
      quarantineSample: [...this.s.quarantineSample, ...chunk.quarantineSample].slice(0, MAX_QUARANTINE_SAMPLE),
    };
    if (chunk.budgetReached) this.pauseAtBudget();
  }

  /**
   * Counts a catch-up pass in and decides what follows: run it again once resumed when it
   * stopped at the budget, stop when a pass found nothing to fix or after
   * MAX_CATCH_UP_PASSES, otherwise run another.
   */
  applyCatchUp(pass: CatchUpReport): CatchUpNext {
    this.s = {
      ...this.s,
      ...this.spend(pass.tokens),
      documents: { ...this.s.documents, truncated: this.s.documents.truncated + pass.truncated },
      catchUp: {
        passes: this.s.catchUp.passes + 1,
        reembedded: this.s.catchUp.reembedded + pass.reembedded,
        deleted: this.s.catchUp.deleted + pass.deleted,
      },
    };
    if (pass.budgetReached) {
      this.pauseAtBudget();
      return 'paused';
    }
    this.catchUpPassesCounted++;
    const quiet = pass.reembedded + pass.deleted + pass.quarantined === 0;
    return quiet || this.catchUpPassesCounted >= MAX_CATCH_UP_PASSES ? 'done' : 'again';
  }

  /** The quality gate's report; a REGRESSION or INCONCLUSIVE verdict makes approval need an explicit acknowledgement. */
  evaluated(quality: QualityReport): void {
    this.s = { ...this.s, quality };
  }

  /** The grace period's warm-up latencies join the quality report. */
  warmedUp(warmup: WarmupReport): void {
    if (this.s.quality) this.s = { ...this.s, quality: { ...this.s.quality, warmup } };
  }

  /** Adapted documents left the quarantine for the new index; verification recounts both. */
  adapted(adaptation: AdaptationReport): void {
    this.s = { ...this.s, adaptation };
  }

  verified(report: VerificationReport): void {
    const documents = { total: report.sourceCount, migrated: report.targetCount, quarantined: report.quarantined, truncated: this.s.documents.truncated };
    this.s = { ...this.s, ...this.spend(report.tokens), verification: report, documents, coverage: report.coverage };
  }

  /**
   * Tokens the budget still allows at this migration's price; null when there is no budget
   * (or nothing is charged). Activities stop before a batch that would go past it.
   */
  tokenAllowance(): number | null {
    const { budgetUsd, pricePerMillionTokens: price } = this.s;
    if (budgetUsd === null || price === 0) return null;
    return Math.max(0, Math.floor(((budgetUsd - this.s.spentUsd) / price) * 1_000_000));
  }

  /** The next batch would go past the budget: wait for an operator to add more. */
  pauseAtBudget(): void {
    const s = this.s;
    this.pauseFor(
      'budget',
      `budget of $${s.budgetUsd} reached: $${s.spentUsd.toFixed(4)} spent on ${s.tokens} tokens and the next batch would go past it. ` +
        `Resume with more: reembed resume ${s.collection} --budget <dollars>`,
    );
  }

  /** The provider refused our configuration (key, model): wait until it is fixed. */
  pauseForProvider(message: string): void {
    this.pauseFor('provider', `${message} Then: reembed resume ${this.s.collection}`);
  }

  /** Elasticsearch blocks writes to the new index (disk flood stage, or a block set by hand). */
  pauseForElasticsearch(message: string): void {
    this.pauseFor('elasticsearch', `${message} Then: reembed resume ${this.s.collection}`);
  }

  /** Nobody decided within the approval timeout: the migration is rejected, as if by a person. */
  approvalTimedOut(timeoutMs: number): void {
    this.signal('rejectCutover', { by: 'reembed', reason: `no decision within the approval timeout of ${timeoutMs} ms` });
  }

  failed(message: string): void {
    this.enter('FAILED', { error: message });
  }

  // --- operator actions: one refusal rule per action, shared by its signal and its Update ---

  /**
   * Why `action` with `payload` would be refused now, or null when it would be accepted. The
   * signal handler records a refusal in the status; the Update validator rejects with it, so
   * nothing reaches history. Pure: it reads the state and changes nothing.
   */
  refusal(action: SignalName, payload: unknown): string | null {
    const parsed = this.parse(action, payload);
    return typeof parsed === 'string' ? parsed : this.rule(action).refuse(parsed);
  }

  /** Applies an action that `refusal` allowed, and says what happens next. */
  perform(action: SignalName, payload: unknown): ActionOutcome {
    const parsed = this.parse(action, payload);
    if (typeof parsed === 'string') throw new TypeError(`${action} was performed with an invalid payload: ${parsed}`);
    return { action, phase: this.s.phase, ...this.rule(action).apply(parsed) };
  }

  /** The signal path: applies the action, or records why it was refused. */
  signal(action: SignalName, payload: unknown): void {
    const reason = this.refusal(action, payload);
    if (reason === null) this.perform(action, payload);
    else this.refuse(action, payload, reason);
  }

  private rule(action: SignalName): ActionRule<ActionPayloads[SignalName]> {
    // Each rule takes its own action's payload, which parse() produced with that action's schema.
    return this.rules[action] as ActionRule<ActionPayloads[SignalName]>;
  }

  private readonly rules: { [K in SignalName]: ActionRule<ActionPayloads[K]> } = {
    approveCutover: {
      refuse: (p) => {
        if (this.s.phase !== 'AWAITING_APPROVAL') return `approval is only possible in AWAITING_APPROVAL; the migration is in ${this.s.phase}`;
        if (this.rejected || this.approved) return 'a decision was already made';
        const ack = acknowledgementNeeded(this.s.quality);
        if (ack && !p.acknowledgeRegression) {
          return `${this.s.quality!.verdict}: ${ack}. To cut over anyway, approve with "acknowledgeRegression": true (reembed approve --acknowledge-regression)`;
        }
        if (this.allowedApprovers && !this.allowedApprovers.includes(p.approver))
          return `${p.approver} is not among the approvers of this migration (${this.allowedApprovers.join(', ')})`;
        const approvals = this.s.approvals ?? [];
        if (approvals.some((a) => a.approver === p.approver))
          return `${p.approver} has approved already; the cutover needs ${this.approvalsRequired} distinct approvers (${approvals.length} so far)`;
        return null;
      },
      apply: (p) => {
        const approval = { ...p, at: now() };
        const all = [...(this.s.approvals ?? []), approval];
        const complete = all.length >= this.approvalsRequired;
        this.s = { ...this.s, approvals: all, ...(complete ? { approval } : {}) };
        const approvals = { given: all.length, required: this.approvalsRequired };
        if (!complete) return { approvals, next: `${this.approvalsRequired - all.length} more distinct approver(s) needed before the cutover` };
        return { approvals, next: 'the grace period starts; the read alias moves to the new index at its end unless rejected before' };
      },
    },
    rejectCutover: {
      refuse: () => {
        if (!BEFORE_CUTOVER.has(this.s.phase)) return `rejection is only possible before cutover; the migration is in ${this.s.phase}`;
        return this.rejected ? 'the migration was already rejected' : null;
      },
      apply: (p) => {
        this.s = { ...this.s, rejection: { ...p, at: now() } };
        return { next: `the migration is abandoned: the read alias stays on ${this.s.sourceIndex ?? 'the active index'} and the new index is deleted` };
      },
    },
    pause: {
      refuse: () => (PAUSABLE.has(this.s.phase) ? null : `only the backfill and catch-up can pause; the migration is in ${this.s.phase}`),
      apply: (p) => {
        this.s = { ...this.s, paused: true, pausedBy: 'operator', pauseReason: `${p.by}${p.reason ? `: ${p.reason}` : ''}` };
        return { next: `the migration pauses after the current batch; reembed resume ${this.s.collection} goes on from there` };
      },
    },
    resume: {
      refuse: (p) => {
        if (!this.s.paused) return 'the migration is not paused';
        // Paused at the budget means the next batch does not fit in what is left: more is needed.
        if (this.s.pausedBy === 'budget' && !p.addBudgetUsd)
          return `the budget of $${this.s.budgetUsd} is used up to the next batch ($${this.s.spentUsd.toFixed(4)} spent); resume with more budget (addBudgetUsd, \`reembed resume --budget <dollars>\`)`;
        return null;
      },
      apply: (p) => {
        const budgetUsd = this.s.budgetUsd === null ? null : this.s.budgetUsd + (p.addBudgetUsd ?? 0);
        const { pauseReason: _reason, pausedBy: _by, ...rest } = this.s;
        this.s = { ...rest, paused: false, budgetUsd };
        return { next: `the migration goes on from where it paused${budgetUsd === null ? '' : `, with a budget of $${budgetUsd}`}` };
      },
    },
    rollback: {
      refuse: () =>
        this.s.phase === 'RETENTION' ? null : `rollback is only possible in RETENTION (after cutover, before cleanup); the migration is in ${this.s.phase}`,
      apply: (p) => {
        this.rollbackRequested = true;
        this.s = { ...this.s, rollback: { signal: 'rollback', at: now(), by: p.by, reason: p.reason } };
        return { next: `the read alias moves back to ${this.s.sourceIndex ?? 'the old index'} and the new index is deleted` };
      },
    },
    endRetention: {
      refuse: () => (this.s.phase === 'RETENTION' ? null : `retention can only be ended in RETENTION; the migration is in ${this.s.phase}`),
      apply: () => {
        this.endRetentionRequested = true;
        return { next: `retention ends now: the old index ${this.s.sourceIndex ?? ''} is deleted and the migration completes` };
      },
    },
  };

  private pauseFor(by: Exclude<PausedBy, 'operator'>, reason: string): void {
    this.s = { ...this.s, paused: true, pausedBy: by, pauseReason: reason };
  }

  private spend(tokens: number): Pick<MigrationStatus, 'tokens' | 'spentUsd'> {
    const total = this.s.tokens + tokens;
    return { tokens: total, spentUsd: (total / 1_000_000) * this.s.pricePerMillionTokens };
  }

  /** The payload as the action's schema reads it, or why it does not parse. */
  private parse<K extends SignalName>(action: K, payload: unknown): ActionPayloads[K] | string {
    const parsed = SIGNALS[action].schema.safeParse(payload ?? {});
    if (parsed.success) return parsed.data as ActionPayloads[K];
    return `invalid payload (${parsed.error.issues.map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`).join('; ')})`;
  }

  private refuse(signal: string, payload: unknown, reason: string): void {
    const by = (payload as { by?: unknown; approver?: unknown } | null)?.by ?? (payload as { approver?: unknown } | null)?.approver;
    // A refused payload may be huge or hostile: the record keeps at most a short name of it.
    const record: SignalRecord & { reason: string } = { signal, at: now(), reason, ...(typeof by === 'string' ? { by: by.slice(0, 200) } : {}) };
    this.s = { ...this.s, refusedSignals: [...this.s.refusedSignals, record].slice(-MAX_REFUSED) };
  }
}
