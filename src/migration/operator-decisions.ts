import type { MigrationInput } from './input.js';
import { SIGNALS, type ActionOutcome, type ActionPayloads, type SignalName } from './messages.js';
import { BEFORE_CUTOVER, PAUSABLE } from './phases.js';
import { acknowledgementsNeeded } from './acknowledgements.js';
import type { MigrationStatus, SignalRecord } from './status.js';
import { now, type StatusCell } from './status-cell.js';

/** One operator action's rule: why it is refused in the current state, and what applying it does. */
interface ActionRule<P> {
  refuse(payload: P): string | null;
  apply(payload: P): Omit<ActionOutcome, 'action' | 'phase'>;
}

/** Refused signals kept in the status; older ones fall off. */
const MAX_REFUSED = 20;

/**
 * The operator's side of a migration: which action is accepted in which state, what it does,
 * and the decisions taken so far (approvals, rejection, rollback, end of retention).
 */
export class OperatorDecisions {
  private rollbackRequested = false;
  private endRetentionRequested = false;
  private readonly approvalsRequired: number;
  private readonly allowedApprovers: readonly string[] | null;

  constructor(
    private readonly cell: StatusCell,
    input: MigrationInput,
  ) {
    this.approvalsRequired = input.approvals;
    this.allowedApprovers = input.approvers;
  }

  private get s(): MigrationStatus {
    return this.cell.value;
  }
  private set s(value: MigrationStatus) {
    this.cell.value = value;
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
        const ack = acknowledgementsNeeded(this.s);
        if (ack.regression && !p.acknowledgeRegression) {
          return `${this.s.quality!.verdict}: ${ack.regression}. To cut over anyway, approve with "acknowledgeRegression": true (reembed approve --acknowledge-regression)`;
        }
        if (ack.missing && !p.acknowledgeMissing) {
          return `${ack.missing}. To cut over anyway, approve with "acknowledgeMissing": true (reembed approve --acknowledge-missing); a rollback during retention brings them back`;
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

  /** Nobody decided within the approval timeout: the migration is rejected, as if by a person. */
  approvalTimedOut(timeoutMs: number): void {
    this.signal('rejectCutover', { by: 'reembed', reason: `no decision within the approval timeout of ${timeoutMs} ms` });
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
