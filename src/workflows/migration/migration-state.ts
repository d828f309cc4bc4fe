import type { z } from 'zod';
import type { MigrationPhase } from '../../registry/collection-record';
import type { MigrationEstimate } from '../../estimate/migration-estimate';
import {
  approveCutoverSchema,
  operatorActionSchema,
  rejectCutoverSchema,
  resumeSchema,
  type MigrationInput,
  type MigrationStatus,
  type SignalRecord,
  type VerificationReport,
} from './messages';

/** Refused signals kept in the status; older ones fall off. */
const MAX_REFUSED = 20;
/** Quarantined documents the status names itself; the quarantine index holds them all. */
export const MAX_QUARANTINE_SAMPLE = 20;

const now = () => new Date().toISOString();

export interface Prepared {
  readonly sourceSpecId: string;
  readonly sourceIndex: string;
  readonly targetIndex: string;
  /** Documents and the price this migration is charged at come from here. */
  readonly estimate: MigrationEstimate;
  /** The target spec's probe request is billed like any other. */
  readonly probeTokens: number;
}

export interface ChunkReport {
  readonly cursor: string | null;
  readonly migrated: number;
  readonly quarantined: number;
  readonly quarantineSample: readonly { readonly id: string; readonly reason: string }[];
  readonly tokens: number;
  readonly truncated: number;
  readonly done: boolean;
  /** The next batch would have gone past the token allowance; nothing of it was sent. */
  readonly budgetReached?: boolean;
}

/**
 * The rules of one migration — which signal is allowed in which phase, and what each
 * report does to the counts — kept apart from the workflow so they are tested without
 * a server. The workflow only wires handlers and activities to it.
 */
export class MigrationState {
  private s: MigrationStatus;
  private rollbackRequested = false;
  private endRetentionRequested = false;

  constructor(input: MigrationInput, workflowId: string, resumeFrom?: MigrationStatus) {
    const at = now();
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

  prepared(p: Prepared): void {
    const { probeTokens, ...rest } = p;
    const { documents: total, pricePerMillionTokens } = p.estimate;
    this.s = { ...this.s, ...rest, pricePerMillionTokens, documents: { ...this.s.documents, total } };
    this.s = { ...this.s, ...this.spend(probeTokens) };
    this.enter('BACKFILLING', { backfillStartedAt: now() });
  }

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
  }

  applyCatchUp(pass: { reembedded: number; deleted: number; quarantined: number; tokens: number; truncated: number }): void {
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

  /** The workflow itself pauses: at the budget, or when the provider refuses our configuration. */
  pauseFor(by: 'budget' | 'provider', reason: string): void {
    this.s = { ...this.s, paused: true, pausedBy: by, pauseReason: reason };
  }

  failed(message: string): void {
    this.enter('FAILED', { error: message });
  }

  // --- signals: each validates its payload and its phase, and records a refusal otherwise ---

  approve(payload: unknown): void {
    const p = this.parse('approveCutover', approveCutoverSchema, payload);
    if (!p) return;
    if (this.s.phase !== 'AWAITING_APPROVAL') return this.refuse('approveCutover', payload, `approval is only possible in AWAITING_APPROVAL; the migration is in ${this.s.phase}`);
    if (this.rejected || this.approved) return this.refuse('approveCutover', payload, 'a decision was already made');
    this.s = { ...this.s, approval: { ...p, at: now() } };
  }

  reject(payload: unknown): void {
    const p = this.parse('rejectCutover', rejectCutoverSchema, payload);
    if (!p) return;
    if (!BEFORE_CUTOVER.has(this.s.phase)) return this.refuse('rejectCutover', payload, `rejection is only possible before cutover; the migration is in ${this.s.phase}`);
    if (this.rejected) return this.refuse('rejectCutover', payload, 'the migration was already rejected');
    this.s = { ...this.s, rejection: { ...p, at: now() } };
  }

  pause(payload: unknown): void {
    const p = this.parse('pause', operatorActionSchema, payload ?? {});
    if (!p) return;
    if (!PAUSABLE.has(this.s.phase)) return this.refuse('pause', payload, `only the backfill and catch-up can pause; the migration is in ${this.s.phase}`);
    this.s = { ...this.s, paused: true, pausedBy: 'operator', pauseReason: `${p.by}${p.reason ? `: ${p.reason}` : ''}` };
  }

  resume(payload: unknown): void {
    const p = this.parse('resume', resumeSchema, payload ?? {});
    if (!p) return;
    if (!this.s.paused) return this.refuse('resume', payload, 'the migration is not paused');
    const budgetUsd = this.s.budgetUsd === null ? null : this.s.budgetUsd + (p.addBudgetUsd ?? 0);
    // Paused at the budget means the next batch does not fit in what is left: more is needed.
    if (this.s.pausedBy === 'budget' && !p.addBudgetUsd) {
      return this.refuse('resume', payload, `the budget of $${this.s.budgetUsd} is used up to the next batch ($${this.s.spentUsd.toFixed(4)} spent); resume with more budget (addBudgetUsd, \`reembed resume --budget <dollars>\`)`);
    }
    const { pauseReason: _reason, pausedBy: _by, ...rest } = this.s;
    this.s = { ...rest, paused: false, budgetUsd };
  }

  rollback(payload: unknown): void {
    const p = this.parse('rollback', operatorActionSchema, payload ?? {});
    if (!p) return;
    if (this.s.phase !== 'RETENTION') return this.refuse('rollback', payload, `rollback is only possible in RETENTION (after cutover, before cleanup); the migration is in ${this.s.phase}`);
    this.rollbackRequested = true;
    this.s = { ...this.s, rollback: { signal: 'rollback', at: now(), by: p.by, reason: p.reason } };
  }

  endRetention(payload: unknown): void {
    const p = this.parse('endRetention', operatorActionSchema, payload ?? {});
    if (!p) return;
    if (this.s.phase !== 'RETENTION') return this.refuse('endRetention', payload, `retention can only be ended in RETENTION; the migration is in ${this.s.phase}`);
    this.endRetentionRequested = true;
  }

  private spend(tokens: number): Pick<MigrationStatus, 'tokens' | 'spentUsd'> {
    const total = this.s.tokens + tokens;
    return { tokens: total, spentUsd: (total / 1_000_000) * this.s.pricePerMillionTokens };
  }

  private parse<T extends z.ZodType>(signal: string, schema: T, payload: unknown): z.output<T> | undefined {
    const parsed = schema.safeParse(payload);
    if (parsed.success) return parsed.data;
    const reason = parsed.error.issues.map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`).join('; ');
    this.refuse(signal, payload, `invalid payload (${reason})`);
    return undefined;
  }

  private refuse(signal: string, payload: unknown, reason: string): void {
    const by = (payload as { by?: unknown; approver?: unknown } | null)?.by ?? (payload as { approver?: unknown } | null)?.approver;
    const record: SignalRecord & { reason: string } = { signal, at: now(), reason, ...(typeof by === 'string' ? { by } : {}) };
    this.s = { ...this.s, refusedSignals: [...this.s.refusedSignals, record].slice(-MAX_REFUSED) };
  }
}

export const BEFORE_CUTOVER: ReadonlySet<MigrationPhase> = new Set<MigrationPhase>(['PREPARING', 'BACKFILLING', 'CATCHING_UP', 'VERIFYING', 'AWAITING_APPROVAL', 'GRACE_PERIOD']);
const PAUSABLE = new Set<MigrationPhase>(['BACKFILLING', 'CATCHING_UP']);

export function coverage(documents: { total: number; migrated: number; quarantined: number }): number {
  if (documents.total === 0) return 1;
  return Math.min(1, (documents.migrated + documents.quarantined) / documents.total);
}
