import type { CollectionStatus } from '../client/collection-status.js';

/** Batches shown one per line; a long migration's older, collected ones are summed up. */
const SHOWN = 8;

/** The Batch API lines of `reembed status`: each batch's state, lines, tokens and cost, and the inputs saved. */
export function renderBatches(s: Pick<CollectionStatus, 'batches' | 'inputsSaved'>): string[] {
  const lines: string[] = [];
  if (s.batches.length > 0) {
    const open = s.batches.filter((b) => b.state !== 'collected').length;
    const cost = s.batches.reduce((sum, b) => sum + b.costUsd, 0);
    lines.push(`  batches:      ${s.batches.length} through the Batch API, ${open} not yet written; $${cost.toFixed(4)}`);
    const hidden = s.batches.length - SHOWN;
    if (hidden > 0) lines.push(`                (${hidden} earlier batch(es): reembed status --json)`);
    for (const b of s.batches.slice(-SHOWN)) {
      lines.push(
        `                ${b.id} #${b.chunk} ${b.state}: ${b.linesDone}/${b.lines} line(s) done, ${b.linesFailed} failed, ${b.documents} document(s), ${b.tokens} tokens, $${b.costUsd.toFixed(4)}${b.note ? ` — ${b.note}` : ''}`,
      );
    }
  }
  if (s.inputsSaved > 0) lines.push(`  inputs saved: ${s.inputsSaved} document(s) shared an embedding input with another of the same text`);
  return lines;
}
