import { z } from 'zod';
import { MAX_NAME } from './input.js';
import type { MigrationPhase } from './phases.js';

/** Operator actions (signals and Updates) and the status query: their names are the wire protocol, running workflows depend on them. */

const MAX_NOTE = 2_000;

/** Signal payloads are small: a longer name or note is refused, never stored in the status. */
const name = (field: string) => z.string().trim().min(1, `${field} is required`).max(MAX_NAME, `${field} is longer than ${MAX_NAME} characters`);
const text = (field: string) => z.string().max(MAX_NOTE, `${field} is longer than ${MAX_NOTE} characters`);

export const approveCutoverSchema = z.object({
  approver: name('approver'),
  note: text('note').optional(),
  /** Required to approve a migration whose quality gate found a regression or could not rule one out. */
  acknowledgeRegression: z.boolean().optional(),
  /** Required to approve a migration whose new index lacks source documents (unsearchableAfterCutover). */
  acknowledgeMissing: z.boolean().optional(),
});
export const rejectCutoverSchema = z.object({ by: name('by'), reason: text('reason').trim().min(1, 'reason is required') });
export const operatorActionSchema = z.object({ by: name('by').default('unknown'), reason: text('reason').default('') });
export const resumeSchema = operatorActionSchema.extend({
  /** Dollars added to the budget (a migration paused at its budget needs more to go on). */
  addBudgetUsd: z.number().positive().optional(),
});
export type ApproveCutover = z.infer<typeof approveCutoverSchema>;
export type RejectCutover = z.infer<typeof rejectCutoverSchema>;
export type OperatorAction = z.input<typeof operatorActionSchema>;
export type ResumeAction = z.input<typeof resumeSchema>;

/** Each signal's payload schema and the description the Temporal Web UI shows beside it. */
export const SIGNALS = {
  approveCutover: {
    schema: approveCutoverSchema,
    description:
      'Approve moving the read alias to the new index. Payload: {"approver": "name", "note": "optional"}; after a quality REGRESSION or INCONCLUSIVE verdict also "acknowledgeRegression": true; when documents would stop being searchable also "acknowledgeMissing": true. Only in AWAITING_APPROVAL.',
  },
  rejectCutover: {
    schema: rejectCutoverSchema,
    description: 'Abandon the migration before cutover; the alias stays, the new index is deleted. Payload: {"by": "name", "reason": "why"}.',
  },
  pause: {
    schema: operatorActionSchema,
    description: 'Pause the backfill or catch-up after the current batch. Payload: {"by": "name", "reason": "optional"}.',
  },
  resume: {
    schema: resumeSchema,
    description:
      'Resume a paused migration (paused by an operator, at its budget, or for a provider misconfiguration fixed since). Payload: {"by": "name", "addBudgetUsd": 10}; addBudgetUsd is optional and raises the budget.',
  },
  rollback: {
    schema: operatorActionSchema,
    description: 'During RETENTION: move the alias back to the old index (which kept receiving writes). Payload: {"by": "name", "reason": "why"}.',
  },
  endRetention: {
    schema: operatorActionSchema,
    description: 'During RETENTION: finish now and delete the old index instead of waiting. Payload: {"by": "name", "reason": "optional"}.',
  },
} as const;
export type SignalName = keyof typeof SIGNALS;
/** Each action's payload as the workflow uses it (defaults applied). */
export type ActionPayloads = { [K in SignalName]: z.output<(typeof SIGNALS)[K]['schema']> };

/**
 * What an accepted operator action did, as its Update returns it: the phase it found, what
 * happens next, and for approvals how many of how many and when the cutover will run.
 */
export interface ActionOutcome {
  readonly action: SignalName;
  readonly phase: MigrationPhase;
  /** What happens next, in one sentence. */
  readonly next: string;
  readonly approvals?: { readonly given: number; readonly required: number };
  /** Set when this approval completed the decision: when the grace period ends and the alias moves. */
  readonly cutoverAt?: string;
}

/** The ApplicationFailure type of an Update its validator refused: the message is the reason. */
export const ACTION_REFUSED = 'ActionRefused';

export const STATUS_QUERY = 'status';
export const STATUS_QUERY_DESCRIPTION = 'Phase, counts, coverage, approvals and refused signals of this migration.';
/**
 * Updates carry the same names and payloads as the signals: the CLI and client send them and
 * learn at once whether the action was accepted (a refused one leaves nothing in history).
 */
export const UPDATE_DESCRIPTION_SUFFIX = ' As an Update it answers with what happens next, or is refused with the reason.';
