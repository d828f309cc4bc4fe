/**
 * Share of the source documents the target holds or has quarantined: the figure that
 * routes searches and fills the progress bar. An empty source is fully covered.
 */
export function coverage(documents: { readonly total: number; readonly migrated: number; readonly quarantined: number }): number {
  if (documents.total === 0) return 1;
  return Math.min(1, (documents.migrated + documents.quarantined) / documents.total);
}
