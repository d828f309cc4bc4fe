import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@elastic/elasticsearch';
import type { RankedHit } from './merge-results.js';

export interface KnnSide {
  readonly index: string;
  readonly specId: string;
  readonly vector: Float32Array;
}

interface SearchSource {
  content?: string;
  metadata?: Record<string, unknown>;
  adapted?: boolean;
}

/**
 * Pauses before each search again. A node that dies mid-search fails the shard requests
 * it held (a kNN search's query phase must return to the copy that ran its DFS phase), and
 * the coordinating node needs a moment to route around it; reads are idempotent, so a side
 * that failed that way is asked again rather than failing the caller's search.
 */
const RETRY_PAUSES_MS = [100, 300, 900];

/** `partial`: some shards failed; the hits are kept but the side is asked again while pauses remain. */
type SideOutcome = { kind: 'hits'; hits: RankedHit[]; partial: boolean } | { kind: 'failed'; reason: string; transient: boolean };

/**
 * One `_msearch` with a kNN query per side, sides that failed transiently (a shard copy on
 * a dead node, a full search queue) asked again. A side that fails for good (an index
 * deleted under a stale registry view) yields no hits rather than failing the search, as
 * long as one side answers.
 */
export async function knnMsearch(es: Client, sides: readonly KnnSide[], k: number, filter?: Record<string, unknown>): Promise<RankedHit[][]> {
  const outcomes = await searchSides(es, sides, k, filter);
  for (const pause of RETRY_PAUSES_MS) {
    const again = sides.map((_, i) => i).filter((i) => isWorthRetrying(outcomes[i]!));
    if (again.length === 0) break;
    await sleep(pause);
    const retried = await searchSides(
      es,
      again.map((i) => sides[i]!),
      k,
      filter,
    );
    again.forEach((i, j) => (outcomes[i] = retried[j]!));
  }
  if (outcomes.every((o) => o.kind === 'failed')) {
    const reason = outcomes[0]!.kind === 'failed' ? outcomes[0]!.reason : 'unknown error';
    throw new Error(`Search failed on ${sides.map((s) => s.index).join(' and ')}: ${reason}`);
  }
  return outcomes.map((o) => (o.kind === 'hits' ? o.hits : []));
}

function isWorthRetrying(outcome: SideOutcome): boolean {
  return outcome.kind === 'failed' ? outcome.transient : outcome.partial;
}

async function searchSides(es: Client, sides: readonly KnnSide[], k: number, filter?: Record<string, unknown>): Promise<SideOutcome[]> {
  const searches = sides.flatMap((side) => [
    { index: side.index },
    {
      knn: { field: 'vector', query_vector: Array.from(side.vector), k, num_candidates: Math.max(50, k * 10), ...(filter ? { filter } : {}) },
      _source: ['content', 'metadata', 'adapted'],
      size: k,
    },
  ]);
  const response = await es.msearch<SearchSource>({ searches });
  return response.responses.map((r, i) => {
    if ('error' in r) {
      // 404 and 400 do not change on a second ask; 429 and 5xx (all shards failed on a dead node) can.
      return { kind: 'failed', reason: r.error.reason ?? r.error.type, transient: r.status === 429 || r.status >= 500 };
    }
    const hits = r.hits.hits.map((hit) => ({
      id: String(hit._id),
      score: hit._score ?? 0,
      index: sides[i]!.index,
      specId: sides[i]!.specId,
      ...(hit._source?.content !== undefined ? { content: hit._source.content } : {}),
      ...(hit._source?.metadata ? { metadata: hit._source.metadata } : {}),
      ...(hit._source?.adapted ? { adapted: true as const } : {}),
    }));
    return { kind: 'hits', hits, partial: r._shards.failed > 0 };
  });
}
