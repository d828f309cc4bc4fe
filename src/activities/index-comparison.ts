import { heartbeat } from '@temporalio/activity';
import type { MigrationIndexes } from '../migration/reports.js';
import type { VectorIndexStore } from '../store/vector-index.js';

const SCAN_PAGE = 500;

export interface IndexDifferences {
  /** Source documents missing from the target or with other text (unchanged quarantined ones excepted). */
  readonly stale: string[];
  /** Target documents the source no longer has. */
  readonly extra: string[];
}

/**
 * Compares the source and target indexes by id and text hash, heartbeating per page.
 * `quarantined` maps the migration's quarantined ids to the text hash they failed with.
 */
export async function compareIndexes(store: VectorIndexStore, input: MigrationIndexes, quarantined: ReadonlyMap<string, string>): Promise<IndexDifferences> {
  // Scans are searches: without a refresh the target (refresh_interval -1 while it
  // loads) would still show what a previous pass deleted, and passes would not converge.
  await Promise.all([store.refresh(input.sourceIndex), store.refresh(input.targetIndex)]);
  const stale: string[] = [];
  const extra: string[] = [];
  for (const [from, to, collect] of [
    [input.sourceIndex, input.targetIndex, 'stale'],
    [input.targetIndex, input.sourceIndex, 'extra'],
  ] as const) {
    for (let after: string | null = null; ;) {
      const page = await store.scan(from, after, SCAN_PAGE, false);
      if (page.length === 0) break;
      after = page[page.length - 1]!.id;
      const other = await store.getMany(
        to,
        page.map((d) => d.id),
        false,
      );
      for (const d of page) {
        if (collect === 'extra' && !other.has(d.id)) extra.push(d.id);
        if (collect === 'stale' && other.get(d.id)?.sourceHash !== d.sourceHash && quarantined.get(d.id) !== d.sourceHash) stale.push(d.id);
      }
      heartbeat({ after });
    }
  }
  return { stale, extra };
}
