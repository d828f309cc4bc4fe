import type { ApproveCutover } from './messages.js';
import type { QualityReport, UnsearchableDocuments } from './reports.js';
import { acknowledgementNeeded } from './quality-gate.js';
import { unsearchableText } from './unsearchable.js';

/** What an approval must acknowledge, each with the sentence it acknowledges; null when nothing. */
export interface Acknowledgements {
  /** The quality gate's REGRESSION or INCONCLUSIVE verdict (acknowledgeRegression). */
  readonly regression: string | null;
  /** Documents that stop being searchable at the cutover (acknowledgeMissing). */
  readonly missing: string | null;
}

export function acknowledgementsNeeded(s: {
  readonly quality?: QualityReport | undefined;
  readonly unsearchableAfterCutover?: UnsearchableDocuments | undefined;
}): Acknowledgements {
  const unsearchable = s.unsearchableAfterCutover;
  return { regression: acknowledgementNeeded(s.quality), missing: unsearchable && unsearchable.count > 0 ? unsearchableText(unsearchable) : null };
}

/** Everything an approval acknowledges, in one sentence; "" when nothing. */
export function acknowledgementText(a: Acknowledgements): string {
  return [a.regression, a.missing].filter((sentence) => sentence !== null).join('; ');
}

/** The CLI flags an approval needs: " --acknowledge-regression --acknowledge-missing", or "". */
export function acknowledgementFlags(a: Acknowledgements): string {
  return `${a.regression ? ' --acknowledge-regression' : ''}${a.missing ? ' --acknowledge-missing' : ''}`;
}

/** The approveCutover payload an approver sends (Web UI, Temporal CLI). */
export function approvalPayload(a: Acknowledgements, approver: string): ApproveCutover {
  return { approver, ...(a.regression ? { acknowledgeRegression: true } : {}), ...(a.missing ? { acknowledgeMissing: true } : {}) };
}
