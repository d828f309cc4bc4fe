/**
 * Merging the hits of the old and the new index during a migration. Scores of two models
 * are not comparable as such, so both strategies work from within-list evidence: ranks
 * (reciprocal-rank fusion) or scores weighted by how much of the corpus each index covers.
 */

export interface RankedHit {
  readonly id: string;
  readonly score: number;
  /** Which index and model spec produced the hit. */
  readonly index: string;
  readonly specId: string;
  readonly content?: string;
  readonly metadata?: Record<string, unknown>;
  /** The vector was mapped from the old model's by an adapter (the source stores no text), not embedded. */
  readonly adapted?: true;
}

export type MergeStrategy = 'coverage-weighted' | 'rrf';

/** The constant of Cormack et al.; damps the weight of the first few ranks. */
export const RRF_K = 60;

/**
 * Reciprocal-rank fusion: each list contributes 1 / (k + rank) for a document; the sum
 * ranks the union. Robust to the two models' different score scales.
 */
export function reciprocalRankFusion(lists: readonly (readonly RankedHit[])[], k: number, rrfK = RRF_K): RankedHit[] {
  const fused = new Map<string, { hit: RankedHit; score: number }>();
  for (const list of lists) {
    list.forEach((hit, rank) => {
      const contribution = 1 / (rrfK + rank + 1);
      const seen = fused.get(hit.id);
      if (seen) seen.score += contribution;
      else fused.set(hit.id, { hit, score: contribution });
    });
  }
  return [...fused.values()]
    .sort((a, b) => b.score - a.score || a.hit.id.localeCompare(b.hit.id))
    .slice(0, k)
    .map(({ hit, score }) => ({ ...hit, score }));
}

/**
 * The coverage-weighted merge of the original design: the new index's scores count with
 * weight `coverage` (the share of documents it already holds), the old index's with
 * `1 − coverage`; a document in both lists sums its weighted scores. Early in a backfill
 * the old index dominates; near the end, the new one does.
 */
export function coverageWeightedMerge(oldHits: readonly RankedHit[], newHits: readonly RankedHit[], coverage: number, k: number): RankedHit[] {
  const c = Math.min(1, Math.max(0, coverage));
  const merged = new Map<string, RankedHit>();
  const add = (hit: RankedHit, weight: number, preferThis: boolean) => {
    const seen = merged.get(hit.id);
    const score = (seen?.score ?? 0) + hit.score * weight;
    merged.set(hit.id, { ...(seen && !preferThis ? seen : hit), score });
  };
  for (const hit of oldHits) add(hit, 1 - c, false);
  // The new index's copy of a document is the one we report when both have it.
  for (const hit of newHits) add(hit, c, true);
  return [...merged.values()].sort((a, b) => b.score - a.score || a.id.localeCompare(b.id)).slice(0, k);
}

/** |A ∩ B| / k over the ids of two top-k lists: the shadow mode's agreement measure. */
export function overlapAtK(a: readonly { id: string }[], b: readonly { id: string }[], k: number): number {
  if (k === 0) return 1;
  const ids = new Set(a.slice(0, k).map((h) => h.id));
  return b.slice(0, k).filter((h) => ids.has(h.id)).length / k;
}
