import { BEFORE_CUTOVER } from '../migration/phases.js';
import type { CollectionRecord } from '../registry/collection-record.js';

export type Route =
  /** No migration, or the cutover happened: the active index serves alone. */
  | { kind: 'active'; index: string; specId: string }
  /** Early in a migration: the new index covers too little to help. */
  | { kind: 'old-only'; index: string; specId: string; coverage: number; new: { index: string; specId: string } }
  /** Past the threshold: both indexes in one _msearch, results merged. */
  | { kind: 'merged'; old: { index: string; specId: string }; new: { index: string; specId: string }; coverage: number };

/**
 * Where a search for a collection goes, decided from one registry record so the query
 * embedding's spec and the index always match (even while the alias is being swapped).
 */
export function chooseRoute(record: CollectionRecord, mergeThreshold: number): Route {
  const active = { index: record.activeIndex, specId: record.activeSpecId };
  const m = record.migration;
  if (!m || !BEFORE_CUTOVER.has(m.phase) || m.sourceIndex !== record.activeIndex) return { kind: 'active', ...active };
  const target = { index: m.targetIndex, specId: m.targetSpecId };
  if (m.coverage < mergeThreshold) return { kind: 'old-only', ...active, coverage: m.coverage, new: target };
  return { kind: 'merged', old: active, new: target, coverage: m.coverage };
}
