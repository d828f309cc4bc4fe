import type { MigrationInput } from './input.js';
import type { MigrationStatus } from './status.js';
import { nextAction } from './next-action.js';
import { backfillRate, humanDuration, remainingDocuments } from './progress.js';
import { gateMargin, intervalText, qualityMarkdown } from './quality-gate.js';
import { acknowledgementText, acknowledgementsNeeded, approvalPayload } from './acknowledgements.js';
import { unsearchableText } from './unsearchable.js';

/**
 * The one-line summary the Temporal Web UI shows in the workflow list and on top of the
 * workflow page, fixed when the migration starts.
 */
export function migrationSummary(input: Pick<MigrationInput, 'collection' | 'targetSpecId' | 'requestedBy' | 'approvals'>, sourceSpecId: string): string {
  const approvals = input.approvals === 1 ? '1 approval' : `${input.approvals} distinct approvals`;
  return `Migrate ${input.collection}: ${sourceSpecId} → ${input.targetSpecId}, started by ${input.requestedBy}; cutover needs ${approvals}`;
}

/** The settings an approver weighs, fixed at start: the Web UI shows them as the workflow's details. */
export function migrationStaticDetails(input: MigrationInput): string {
  const hours = (ms: number) => `${+(ms / 3_600_000).toFixed(2)} h`;
  return [
    `| setting | value |`,
    `| --- | --- |`,
    `| grace period before the cutover | ${hours(input.graceMs)} |`,
    `| retention of the old index (rollback window) | ${hours(input.retentionMs)} |`,
    `| quality margin (largest tolerated drop of nDCG@10) | ${(gateMargin(input) * 100).toFixed(1)}% of the old value |`,
    `| approvals | ${input.approvals}${input.approvers ? ` of ${input.approvers.join(', ')}` : ''} |`,
    `| budget | ${input.budgetUsd === null ? 'none' : `$${input.budgetUsd}`} |`,
  ].join('\n');
}

/** What the phase is doing, in a few words with its figures. */
function phaseText(s: MigrationStatus, nowMs: number): string {
  const d = s.documents;
  switch (s.phase) {
    case 'PREPARING':
      return 'estimating cost and disk, creating the new index';
    case 'BACKFILLING': {
      const rate = backfillRate(s, nowMs);
      const eta = rate && rate > 0 ? `, ${rate.toFixed(1)} docs/s, ETA ${humanDuration((remainingDocuments(s) / rate) * 1000)}` : '';
      return `${d.migrated}/${d.total} documents copied (${(s.coverage * 100).toFixed(1)}%), ${d.quarantined} quarantined${eta}`;
    }
    case 'CATCHING_UP':
      return `catch-up pass ${s.catchUp.passes + 1}: ${s.catchUp.reembedded} re-embedded, ${s.catchUp.deleted} deleted so far`;
    case 'VERIFYING':
      return 'checking coverage and vectors, then the quality gate on the golden queries';
    case 'AWAITING_APPROVAL':
      return `${s.approvals?.length ?? 0} of ${s.approvalsRequired ?? 1} approvals`;
    case 'GRACE_PERIOD':
      return `approved by ${s.approval?.approver ?? '?'}; the alias moves at ${s.graceEndsAt ?? '?'}`;
    case 'CUTOVER':
      return 'moving the read alias';
    case 'RETENTION':
      return `cut over at ${s.cutoverAt ?? '?'}; the old index is kept for rollback until ${s.retentionEndsAt ?? '?'}`;
    case 'REJECTED':
      return `rejected by ${s.rejection?.by ?? '?'}: ${s.rejection?.reason ?? ''}`;
    case 'FAILED':
      return `failed: ${s.error ?? 'unknown error'}`;
    case 'ROLLED_BACK':
      return `rolled back by ${s.rollback?.by ?? '?'}; the alias is on the old index`;
    case 'COMPLETED':
      return 'done: the new index serves, the old one is deleted';
  }
}

/** The verdict in a few words: "quality INCONCLUSIVE, Δ nDCG@10 −0.012 [−0.061, +0.034]". */
function verdictText(s: MigrationStatus): string | null {
  const q = s.quality;
  if (!q) return null;
  const delta = q.delta ? `, Δ nDCG@10 ${intervalText(q.delta.ndcg10, q.delta.ci95)}` : '';
  return `quality ${q.verdict}${delta}`;
}

/**
 * The workflow's current details, as the Temporal Web UI shows them: one line first — phase,
 * what it is doing, the verdict with its interval, the exact action to take — then the
 * quality gate's evidence once there is some.
 */
export function currentDetails(s: MigrationStatus, nowMs: number): string {
  const action = nextAction(s.collection, s);
  const head = [
    `**${s.phase}${s.paused ? ` — PAUSED by ${s.pausedBy ?? 'operator'}` : ''}**`,
    phaseText(s, nowMs),
    verdictText(s),
    action ? `next: \`${action}\`` : null,
  ]
    .filter((part): part is string => part !== null)
    .join(' · ');
  const lines = [head];
  if (s.paused && s.pauseReason) lines.push('', `Paused: ${s.pauseReason}`);
  const unsearchable = s.unsearchableAfterCutover;
  if (unsearchable && unsearchable.count > 0) lines.push('', `**Not searchable after the cutover:** ${unsearchableText(unsearchable)}.`);
  if (s.phase === 'AWAITING_APPROVAL') {
    const ack = acknowledgementsNeeded(s);
    const payload = JSON.stringify(approvalPayload(ack, 'your name'));
    const acknowledged = acknowledgementText(ack);
    lines.push(
      '',
      `Approve here: More Actions → Send a Signal → \`approveCutover\` with \`${payload}\`.${acknowledged ? ` The approval acknowledges: ${acknowledged}.` : ''}`,
    );
  }
  if (s.quality) lines.push('', qualityMarkdown(s.quality));
  return lines.join('\n');
}
