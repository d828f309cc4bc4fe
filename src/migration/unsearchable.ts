import { MAX_QUARANTINE_SAMPLE, type UnsearchableDocuments } from './reports.js';

/** Distinct reasons named one by one; past these, the rest are counted together. */
const MAX_REASONS = 10;
export const OTHER_REASONS = 'other reasons';

/**
 * Which quarantined documents the new index still lacks: those no search will find once the
 * alias moves. A quarantined document the new index holds (a later write with text, an
 * adapted vector) is searchable and not counted.
 */
export function unsearchableDocuments(
  quarantined: readonly { readonly docId: string; readonly reason: string }[],
  inNewIndex: ReadonlySet<string>,
): UnsearchableDocuments {
  const missing = quarantined.filter((q) => !inNewIndex.has(q.docId)).sort((a, b) => (a.docId < b.docId ? -1 : a.docId > b.docId ? 1 : 0));
  const tally = new Map<string, number>();
  for (const q of missing) tally.set(q.reason, (tally.get(q.reason) ?? 0) + 1);
  const ranked = [...tally].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const reasons = Object.fromEntries(ranked.slice(0, MAX_REASONS));
  const rest = ranked.slice(MAX_REASONS).reduce((sum, [, n]) => sum + n, 0);
  return {
    count: missing.length,
    ids: missing.slice(0, MAX_QUARANTINE_SAMPLE).map((q) => q.docId),
    reasons: rest > 0 ? { ...reasons, [OTHER_REASONS]: rest } : reasons,
  };
}

/** "3 document(s) (a, b, c) would stop being searchable …": the sentence approvals, the CLI and the Web UI show. */
export function unsearchableText(u: UnsearchableDocuments, cutOver = false): string {
  const shown = u.ids.slice(0, 5).join(', ') + (u.count > 5 ? ', …' : '');
  const why = Object.entries(u.reasons)
    .map(([reason, n]) => `${n} × ${reason}`)
    .join('; ');
  const fate = cutOver ? 'are not searchable since the cutover (a rollback brings them back)' : 'would stop being searchable after the cutover';
  return `${u.count} document(s) (${shown}) ${fate}: the new index lacks them (${why})`;
}
