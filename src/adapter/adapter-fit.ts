import { dot, unit } from '../embedding/vector-math.js';
import { LinearMap, MAP_METHODS, type FitOptions, type MapMethod } from './linear-map.js';

/** One document embedded by both specs: its stored vector in the old index and in the new one. */
export interface VectorPair {
  readonly id: string;
  readonly old: ArrayLike<number>;
  readonly new: ArrayLike<number>;
}

/** recall@10 of adapted search against the full re-embedded search, on documents the fit never saw. */
export interface AdapterQuality {
  /** Old vectors mapped into the new space, searched with new query vectors (documents without text). */
  readonly documents: number;
  /** New query vectors mapped into the old space, searched against the old index (a retired old spec). */
  readonly queries: number;
}

export interface AdapterReport {
  readonly pairs: number;
  readonly trained: number;
  readonly heldOut: number;
  readonly queries: number;
  readonly methods: { readonly documents: MapMethod; readonly queries: MapMethod };
  /** Held-out recall@10 of the chosen maps. */
  readonly recall: AdapterQuality;
  /** Validation recall@10 of every method tried, by side, from which the chosen one won. */
  readonly validation: Readonly<Record<MapMethod, AdapterQuality>>;
}

export interface AdapterFit {
  readonly oldToNew: LinearMap;
  readonly newToOld: LinearMap;
  readonly report: AdapterReport;
}

export const MIN_PAIRS = 100;
const HELD_OUT_SHARE = 0.2;
const MAX_QUERIES = 100;
const K = 10;

/** A deterministic shuffle by id, so the same sample splits the same way in every run. */
function hashId(id: string): number {
  let h = 2166136261;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619);
  return h >>> 0;
}

function topK(query: Float32Array, docs: readonly Float32Array[], skip: number): number[] {
  const scored: [number, number][] = [];
  docs.forEach((d, i) => {
    if (i !== skip) scored.push([dot(query, d), i]);
  });
  return scored
    .sort((a, b) => b[0] - a[0])
    .slice(0, K)
    .map(([, i]) => i);
}

/**
 * Each held-out document's new vector stands in for a query (the document itself excluded).
 * The truth is the ranking of the new vectors; documents: the same query against the old
 * vectors mapped into the new space; queries: the query mapped into the old space against
 * the old vectors.
 */
export function measureAdapter(pairs: readonly VectorPair[], oldToNew: LinearMap, newToOld: LinearMap): AdapterQuality {
  const olds = pairs.map((p) => unit(p.old));
  const news = pairs.map((p) => unit(p.new));
  const adaptedDocs = olds.map((v) => oldToNew.apply(v));
  const queries = Math.min(MAX_QUERIES, pairs.length);
  let documents = 0;
  let queryRecall = 0;
  for (let q = 0; q < queries; q++) {
    const truth = new Set(topK(news[q]!, news, q));
    documents += topK(news[q]!, adaptedDocs, q).filter((i) => truth.has(i)).length / K;
    queryRecall += topK(newToOld.apply(news[q]!), olds, q).filter((i) => truth.has(i)).length / K;
  }
  return { documents: documents / queries, queries: queryRecall / queries };
}

/**
 * Fits both directions from the pairs. Each method is fitted on 80% of the training split
 * and scored on the other 20%; the better one per direction is refitted on the whole
 * training split and measured on the held-out 20% of the pairs, which no fit has seen.
 */
export function fitAdapter(pairs: readonly VectorPair[], options: FitOptions = {}): AdapterFit {
  if (pairs.length < MIN_PAIRS) {
    throw new Error(`an adapter needs at least ${MIN_PAIRS} documents embedded by both specs, found ${pairs.length}; retry once the backfill has copied more`);
  }
  const shuffled = [...pairs].sort((a, b) => hashId(a.id) - hashId(b.id) || (a.id < b.id ? -1 : 1));
  const heldOutSize = Math.max(K + 1, Math.round(shuffled.length * HELD_OUT_SHARE));
  const heldOut = shuffled.slice(0, heldOutSize);
  const train = shuffled.slice(heldOutSize);
  const validationSize = Math.max(K + 1, Math.round(train.length * HELD_OUT_SHARE));
  const [validation, fitting] = [train.slice(0, validationSize), train.slice(validationSize)];

  const scores = Object.fromEntries(
    MAP_METHODS.map((method) => {
      const maps = LinearMap.fitBoth(
        { oldToNew: method, newToOld: method },
        fitting.map((p) => p.old),
        fitting.map((p) => p.new),
        options,
      );
      return [method, measureAdapter(validation, maps.oldToNew, maps.newToOld)];
    }),
  ) as Record<MapMethod, AdapterQuality>;
  const best = (side: keyof AdapterQuality) => MAP_METHODS.reduce((a, b) => (scores[b][side] > scores[a][side] ? b : a));
  const methods = { documents: best('documents'), queries: best('queries') };
  const { oldToNew, newToOld } = LinearMap.fitBoth(
    { oldToNew: methods.documents, newToOld: methods.queries },
    train.map((p) => p.old),
    train.map((p) => p.new),
    options,
  );
  return {
    oldToNew,
    newToOld,
    report: {
      pairs: pairs.length,
      trained: train.length,
      heldOut: heldOut.length,
      queries: Math.min(MAX_QUERIES, heldOut.length),
      methods,
      recall: measureAdapter(heldOut, oldToNew, newToOld),
      validation: scores,
    },
  };
}
