import type { QualityReport, UnsearchableDocuments } from './reports.js';
import { acknowledgementFlags, acknowledgementsNeeded } from './acknowledgements.js';

/** What the next operator action depends on. */
export interface ActionContext {
  readonly phase: string;
  readonly paused: boolean;
  readonly quality?: QualityReport | undefined;
  readonly unsearchableAfterCutover?: UnsearchableDocuments | undefined;
}

/**
 * The exact command(s) an operator can run next, or null while the workflow works on its
 * own. `reembed status` prints it; the Web UI's details lead with it.
 */
export function nextAction(collection: string, s: ActionContext): string | null {
  if (s.paused) return `resume: reembed resume ${collection} --by <name> [--budget <more dollars>]`;
  switch (s.phase) {
    case 'AWAITING_APPROVAL': {
      const ack = acknowledgementFlags(acknowledgementsNeeded(s));
      return `approve: reembed approve ${collection} --approver <name>${ack} [--note <text>]   reject: reembed reject ${collection} --by <name> --reason <text>`;
    }
    case 'GRACE_PERIOD':
      return `cancel before cutover: reembed reject ${collection} --by <name> --reason <text>`;
    case 'RETENTION':
      return `roll back: reembed rollback ${collection} --by <name> --reason <text>   finish now: reembed end-retention ${collection} --by <name>`;
    case 'BACKFILLING':
      return `pause: reembed pause ${collection} --by <name>`;
    default:
      return null;
  }
}
