import { coverage } from './coverage.js';
import { MAX_QUARANTINE_SAMPLE } from './reports.js';
import type { BatchCollection, BatchPoll, BatchSubmission } from './batch-reports.js';
import type { BatchApiProgress, BatchRange, BatchRecord, MigrationStatus } from './status.js';
import { batchPrice, spending } from './spending.js';
import { now, type StatusCell } from './status-cell.js';

/** States in which a batch will change no more: its output can be collected. */
const ENDED = new Set(['completed', 'expired', 'cancelled', 'failed']);
/** States in which a batch still runs and can be cancelled. */
const RUNNING = new Set(['validating', 'in_progress', 'finalizing']);

/**
 * The Batch API backfill's rules, on the same status as the rest of the migration: which
 * source ranges are still to be submitted, which batches are open, what each cost, and when
 * the backfill is done. Workflow code (deterministic); the activities do the I/O.
 */
export class BatchLedger {
  constructor(private readonly cell: StatusCell) {}

  private get s(): MigrationStatus {
    return this.cell.value;
  }

  get progress(): BatchApiProgress {
    return this.s.batchApi ?? { pending: [{ after: null, upTo: null }], submissions: 0, batches: [] };
  }

  private update(progress: Partial<BatchApiProgress>, extra: Partial<MigrationStatus> = {}): void {
    this.cell.value = { ...this.s, ...extra, batchApi: { ...this.progress, ...progress } };
  }

  /** The range the next submission reads from, if any is left. */
  get nextRange(): BatchRange | undefined {
    return this.progress.pending[0];
  }

  get nextChunk(): number {
    return this.progress.submissions + 1;
  }

  /** Batches OpenAI still works on (cancelling included: it may still finish lines). */
  get open(): readonly BatchRecord[] {
    return this.progress.batches.filter((b) => RUNNING.has(b.state) || b.state === 'cancelling');
  }

  get cancellable(): readonly BatchRecord[] {
    return this.progress.batches.filter((b) => RUNNING.has(b.state));
  }

  /** Batches that ended and whose output is not written yet. */
  get ended(): readonly BatchRecord[] {
    return this.progress.batches.filter((b) => ENDED.has(b.state));
  }

  /** Tokens in OpenAI's queue for this migration: what counts against the enqueued-token limit. */
  get enqueuedTokens(): number {
    return this.open.reduce((sum, b) => sum + b.tokens, 0);
  }

  /** Everything was submitted and every batch's output is written. */
  get done(): boolean {
    return this.progress.pending.length === 0 && this.progress.batches.every((b) => b.state === 'collected');
  }

  /**
   * A submission's outcome. A new batch is recorded with its range; the range it came from
   * shrinks to what lies after the batch (or goes when nothing does). A submission that found
   * nothing left to send closes its range as well.
   */
  submitted(range: BatchRange, submission: BatchSubmission): void {
    const { pending, submissions, batches } = this.progress;
    const rest: BatchRange[] = submission.rangeDone ? pending.slice(1) : [{ after: submission.last ?? range.after, upTo: range.upTo }, ...pending.slice(1)];
    const documents = this.s.documents;
    const quarantined = {
      documents: { ...documents, quarantined: documents.quarantined + submission.quarantined, truncated: documents.truncated + submission.truncated },
      quarantineSample: [...this.s.quarantineSample, ...submission.quarantineSample].slice(0, MAX_QUARANTINE_SAMPLE),
      inputsSaved: (this.s.inputsSaved ?? 0) + submission.inputsSaved,
    };
    if (!submission.batch) {
      this.update({ pending: rest }, quarantined);
      return;
    }
    const record: BatchRecord = {
      ...submission.batch,
      linesDone: 0,
      linesFailed: 0,
      costUsd: (submission.batch.tokens / 1_000_000) * batchPrice(this.s),
      submittedAt: now(),
    };
    this.update({ pending: rest, submissions: Math.max(submissions, record.chunk), batches: [...batches, record] }, quarantined);
  }

  /** What the Batch API says of a batch now. */
  polled(id: string, poll: BatchPoll): void {
    this.replace(id, (b) =>
      b.state === 'collected' ? b : { ...b, state: poll.state, linesDone: poll.linesDone, linesFailed: poll.linesFailed, ...note(poll) },
    );
  }

  /**
   * A batch's output is written: its documents count as migrated, its billed tokens are spent
   * at the batch price, and lines it never finished (expired, cancelled, a full queue) send
   * its range back to be submitted again — the documents of it the target already holds are
   * skipped then, so only the unfinished ones go.
   */
  collected(id: string, report: BatchCollection): void {
    const batch = this.progress.batches.find((b) => b.id === id)!;
    const documents = {
      ...this.s.documents,
      migrated: this.s.documents.migrated + report.written,
      quarantined: this.s.documents.quarantined + report.quarantined,
    };
    const again: BatchRange[] = report.unfinished > 0 ? [{ after: batch.range.after, upTo: batch.range.last }] : [];
    this.cell.value = {
      ...this.s,
      ...spending(this.s, report.syncTokens + report.batchTokens, report.batchTokens),
      documents,
      coverage: coverage(documents),
      quarantineSample: [...this.s.quarantineSample, ...report.quarantineSample].slice(0, MAX_QUARANTINE_SAMPLE),
    };
    this.update({ pending: [...this.progress.pending, ...again] });
    this.replace(id, (b) => ({
      ...b,
      state: 'collected',
      linesDone: report.linesDone,
      linesFailed: report.linesFailed,
      tokens: report.batchTokens,
      costUsd: (report.batchTokens / 1_000_000) * batchPrice(this.s),
      ...(report.unfinished > 0 ? { note: `${b.note ?? b.state}: ${report.unfinished} unfinished line(s) submitted again` } : {}),
    }));
  }

  private replace(id: string, change: (b: BatchRecord) => BatchRecord): void {
    this.update({ batches: this.progress.batches.map((b) => (b.id === id ? change(b) : b)) });
  }
}

function note(poll: BatchPoll): Pick<BatchRecord, 'note'> | Record<string, never> {
  return poll.note ? { note: poll.note } : {};
}
