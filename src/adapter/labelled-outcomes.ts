import { dot } from '../embedding/vector-math.js';
import { reciprocalRankFusion, type RankedHit } from '../search/merge-results.js';
import type { GoldenQueryStore } from '../store/golden-queries.js';
import type { VectorIndexStore } from '../store/vector-index.js';
import type { AdapterOutcome } from './adapter-judgement.js';
import type { LinearMap } from './linear-map.js';

const K = 10;

export interface LabelledOutcomeRequest {
  readonly collection: string;
  readonly sourceIndex: string;
  readonly targetIndex: string;
  /** Documents only the old index holds with a vector (no text to re-embed). */
  readonly withoutText: readonly string[];
}

export interface LabelledOutcomes {
  /** The new index with the adapted documents against without them; empty when no document lacks text. */
  readonly documents: AdapterOutcome[];
  /** The new index merged with the old one through the adapted query against the new index alone. */
  readonly queries: AdapterOutcome[];
  readonly queriesWithRelevantOnlyInOld: number;
}

const ranked = (ids: readonly string[], index: string): RankedHit[] => ids.map((id, rank) => ({ id, score: 1 / (rank + 1), index, specId: '' }));

/**
 * Runs the collection's labelled golden queries the ways the adapter's two uses would, with
 * the maps not yet written anywhere: adapted documents are scored in memory beside the new
 * index's top 10, re-scored from their stored vectors so both sides rank on one scale.
 * Null when the collection has no labelled golden query.
 */
export async function labelledOutcomes(
  deps: { store: VectorIndexStore; golden: GoldenQueryStore; embedQuery: (text: string) => Promise<Float32Array> },
  request: LabelledOutcomeRequest,
  maps: { oldToNew: LinearMap; newToOld: LinearMap },
): Promise<LabelledOutcomes | null> {
  const { store } = deps;
  const labelled = (await deps.golden.list(request.collection)).filter((q) => q.relevant && Object.values(q.relevant).some((g) => g > 0));
  if (labelled.length === 0) return null;
  const withoutText = new Set(request.withoutText);
  const oldVectors = withoutText.size > 0 ? await store.vectorsOf(request.sourceIndex, request.withoutText) : new Map<string, number[]>();
  const adapted = [...oldVectors].map(([id, v]) => ({ id, vector: maps.oldToNew.apply(v) }));
  const documents: AdapterOutcome[] = [];
  const queries: AdapterOutcome[] = [];
  for (const q of labelled) {
    const vector = await deps.embedQuery(q.query);
    const newHits = await store.knnSearch(request.targetIndex, vector, K);
    const withoutIds = newHits.map((h) => h.id).filter((id) => !withoutText.has(id));
    const base = { query: q.query, relevant: q.relevant!, withoutIds };
    if (adapted.length > 0) {
      const stored = await store.vectorsOf(request.targetIndex, withoutIds);
      const scored = [
        ...withoutIds.map((id) => ({ id, score: dot(vector, stored.get(id) ?? []) })),
        ...adapted.map((d) => ({ id: d.id, score: dot(vector, d.vector) })),
      ];
      documents.push({
        ...base,
        withIds: scored
          .sort((a, b) => b.score - a.score)
          .slice(0, K)
          .map((d) => d.id),
      });
    }
    const oldHits = await store.knnSearch(request.sourceIndex, maps.newToOld.apply(vector), K);
    const merged = reciprocalRankFusion(
      [
        ranked(withoutIds, request.targetIndex),
        ranked(
          oldHits.map((h) => h.id),
          request.sourceIndex,
        ),
      ],
      K,
    );
    queries.push({ ...base, withIds: merged.map((h) => h.id) });
  }
  const queriesWithRelevantOnlyInOld = labelled.filter((q) => Object.keys(q.relevant!).some((id) => withoutText.has(id) && q.relevant![id]! > 0)).length;
  return { documents, queries, queriesWithRelevantOnlyInOld };
}
