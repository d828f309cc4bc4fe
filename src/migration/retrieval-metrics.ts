/**
 * Retrieval metrics at a cut-off k, as trec_eval and MTEB compute them: linear gain,
 * the ideal ranking built from every judged document of the query (not only the retrieved
 * ones), relevance meaning a grade of at least 1. Pure functions of ranked ids.
 */

/** Graded judgements of one query: document id → grade (≥ 1 is relevant, higher is better). */
export type Judgements = Readonly<Record<string, number>>;

const gain = (judgements: Judgements, id: string) => Math.max(0, judgements[id] ?? 0);
const discount = (rank: number) => 1 / Math.log2(rank + 2);

/** nDCG@k; null when no judged document is relevant (the query cannot be scored). */
export function ndcgAt(k: number, ranked: readonly string[], judgements: Judgements): number | null {
  const ideal = Object.values(judgements)
    .filter((g) => g > 0)
    .sort((a, b) => b - a)
    .slice(0, k)
    .reduce((sum, g, rank) => sum + g * discount(rank), 0);
  if (ideal === 0) return null;
  const dcg = ranked.slice(0, k).reduce((sum, id, rank) => sum + gain(judgements, id) * discount(rank), 0);
  return dcg / ideal;
}

/** Share of the relevant documents found in the top k; null without relevant documents. */
export function recallAt(k: number, ranked: readonly string[], judgements: Judgements): number | null {
  const relevant = Object.keys(judgements).filter((id) => judgements[id]! > 0);
  if (relevant.length === 0) return null;
  const top = new Set(ranked.slice(0, k));
  return relevant.filter((id) => top.has(id)).length / relevant.length;
}

/** Reciprocal rank of the first relevant document in the top k (0 if none). */
export function mrrAt(k: number, ranked: readonly string[], judgements: Judgements): number {
  const rank = ranked.slice(0, k).findIndex((id) => gain(judgements, id) > 0);
  return rank === -1 ? 0 : 1 / (rank + 1);
}

/** Share of the top k two rankings have in common (1 when both are empty). */
export function overlapAt(k: number, a: readonly string[], b: readonly string[]): number {
  const left = new Set(a.slice(0, k));
  const right = b.slice(0, k);
  const size = Math.max(left.size, right.length);
  return size === 0 ? 1 : right.filter((id) => left.has(id)).length / size;
}

/** The mean of the defined values; null when there are none. */
export function mean(values: readonly (number | null)[]): number | null {
  const defined = values.filter((v): v is number => v !== null);
  return defined.length === 0 ? null : defined.reduce((a, b) => a + b, 0) / defined.length;
}
