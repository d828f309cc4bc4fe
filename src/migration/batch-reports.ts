import type { QuarantineSample } from './reports.js';
import type { BatchRecord, BatchState } from './status.js';

/** What the Batch API activities report to the workflow: ids and counts, never vectors. */

export interface BatchSubmission {
  /** The batch created (or found again by its metadata after a crash); null when nothing was sent. */
  readonly batch: Pick<BatchRecord, 'id' | 'chunk' | 'range' | 'state' | 'lines' | 'documents' | 'tokens' | 'note'> | null;
  /** The last source doc_id this submission covered; null when it covered none. */
  readonly last: string | null;
  /** The submission reached the end of its range. */
  readonly rangeDone: boolean;
  /** Why it stopped before the end of its range with nothing (more) to send: the enqueued-token limit, or the budget. */
  readonly stoppedBy?: 'queue' | 'budget';
  /** Documents without text, quarantined on the way. */
  readonly quarantined: number;
  readonly quarantineSample: readonly QuarantineSample[];
  readonly truncated: number;
  /** Documents that share a line with another of the same text. */
  readonly inputsSaved: number;
}

export interface BatchPoll {
  readonly state: Exclude<BatchState, 'collected'>;
  readonly linesDone: number;
  readonly linesFailed: number;
  /** Why a batch failed as a whole (e.g. the organisation's enqueued-token limit). */
  readonly note?: string;
}

export interface BatchCollection {
  /** Documents written with a vector from the batch or, for a line that failed, from the synchronous API. */
  readonly written: number;
  /** Documents quarantined because their line got a 400. */
  readonly quarantined: number;
  readonly quarantineSample: readonly QuarantineSample[];
  /** Tokens OpenAI billed for the batch's completed lines (at the batch price). */
  readonly batchTokens: number;
  /** Tokens of failed lines embedded again through the synchronous API (at its price). */
  readonly syncTokens: number;
  readonly linesDone: number;
  readonly linesFailed: number;
  /** Lines the batch never ran (expired, cancelled, refused): their documents are submitted again. */
  readonly unfinished: number;
  /** Documents whose text changed since their line was submitted: left to the catch-up. */
  readonly changed: number;
}
