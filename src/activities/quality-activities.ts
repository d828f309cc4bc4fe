import { heartbeat } from '@temporalio/activity';
import type { Similarity } from '../embedding/model-spec.js';
import type { MigrationIndexes, QualityReport, WarmupReport } from '../migration/reports.js';
import { latencySummary } from '../migration/latency.js';
import { gateMargin, qualityReport, type QueryOutcome } from '../migration/quality-gate.js';
import { mean, recallAt } from '../migration/retrieval-metrics.js';
import { ExactTopK } from '../quality/exact-top-k.js';
import { QuerySample } from '../search/query-sample.js';
import type { MigrationDeps } from './deps.js';

const K = 10;
/** Queries whose kNN results are checked against an exact search of the whole new index. */
const ANN_SAMPLE = 50;
const SCAN_PAGE = 500;
/** The warm-up: the most frequent sampled traffic queries join the golden ones, up to a total, searched pass after pass. */
const WARMUP = { trafficQueries: 100, maxQueries: 500, passes: 5 } as const;

/** The quality gate: the collection's golden queries against the old and the new index. */
export function createQualityActivities(deps: MigrationDeps) {
  const { catalog, providers, store, golden, retiredSpecs, adapters } = deps;

  /** Recall@10 of the index's kNN results against the exact top 10, one scan of its vectors. */
  async function annRecall(index: string, similarity: Similarity, sample: { vector: number[]; annIds: string[] }[]) {
    if (sample.length === 0) return null;
    const exact = new ExactTopK(
      sample.map((s) => s.vector),
      K,
      similarity,
    );
    let scanned = 0;
    for (let after: string | null = null; ;) {
      const page = await store.scanVectors(index, after, SCAN_PAGE);
      for (const doc of page) exact.add(doc.id, doc.vector);
      scanned += page.length;
      heartbeat({ exactScan: scanned });
      if (page.length < SCAN_PAGE) break;
      after = page[page.length - 1]!.id;
    }
    return mean(sample.map((s, i) => recallAt(K, s.annIds, Object.fromEntries(exact.topIds(i).map((id) => [id, 1])))));
  }

  return {
    /**
     * Runs every golden query against the old index with the old spec and against the new
     * index with the new spec, and scores both; for a sample, checks the new index's kNN
     * against an exact search. Vectors stay in this activity; the report carries ids and figures.
     */
    async evaluateQuality(
      // minQuality: from workflows that scheduled this before the gate took a margin.
      input: MigrationIndexes & { sourceSpecId: string; maxDrop?: number; minQuality?: number; minOverlap: number | null },
    ): Promise<QualityReport> {
      const gate = { maxDrop: gateMargin(input), minOverlap: input.minOverlap };
      const queries = await golden.list(input.collection);
      const specs = [catalog.get(input.sourceSpecId), catalog.get(input.targetSpecId)] as const;
      // A retired old spec embeds nothing: its queries come through the migration's adapter, or not at all.
      const retired = (await retiredSpecs.ids()).has(input.sourceSpecId);
      const adapter = retired ? await adapters.find(input.collection, input.sourceIndex, input.targetIndex) : null;
      const oldSideGone = retired && !adapter?.summary.usable.queries;
      const outcomes: QueryOutcome[] = [];
      const annSample: { vector: number[]; annIds: string[] }[] = [];
      for (const q of queries) {
        const [oldVector, newVector] = retired
          ? await providers.embedQuery([specs[1]], q.query).then(([v]) => [oldSideGone ? null : adapter!.newToOld.apply(v!), v])
          : await providers.embedQuery(specs, q.query);
        const [oldHits, newHits] = await Promise.all([
          oldVector ? store.knnSearch(input.sourceIndex, oldVector, K) : [],
          store.knnSearch(input.targetIndex, newVector!, K),
        ]);
        outcomes.push({ query: q.query, relevant: q.relevant, oldIds: oldHits.map((h) => h.id), newIds: newHits.map((h) => h.id) });
        if (annSample.length < ANN_SAMPLE) annSample.push({ vector: Array.from(newVector!), annIds: newHits.map((h) => h.id) });
        heartbeat({ evaluated: outcomes.length });
      }
      const annRecall10 = await annRecall(input.targetIndex, specs[1].similarity, annSample);
      if (oldSideGone) {
        return {
          ...qualityReport([], gate, { annRecall10 }),
          reason: `${input.sourceSpecId} is retired and no adapter passed its gate, so the old index cannot be queried for a comparison (reembed spec retire ${input.sourceSpecId} refits it)`,
        };
      }
      return qualityReport(outcomes, gate, { annRecall10 });
    },

    /**
     * Before the switch, searches the new index with the golden queries and the most frequent
     * sampled traffic queries, pass after pass, so the first real searches after the cutover
     * find its graph and postings in memory; reports the first pass (cold) against the
     * passes after it (warm).
     * Null when there is nothing to search with.
     */
    async warmUpIndex(input: MigrationIndexes): Promise<WarmupReport | null> {
      const goldenTexts = (await golden.list(input.collection)).map((q) => q.query);
      const known = new Set(goldenTexts);
      const trafficTexts = (await QuerySample.mostFrequent(deps.es, input.collection, WARMUP.trafficQueries)).map((t) => t.query).filter((t) => !known.has(t));
      const texts = [...goldenTexts, ...trafficTexts].slice(0, WARMUP.maxQueries);
      if (texts.length === 0) return null;
      const spec = catalog.get(input.targetSpecId);
      const vectors: Float32Array[] = [];
      for (const text of texts) vectors.push((await providers.embedQuery([spec], text))[0]!);
      const passes: number[][] = [];
      for (let pass = 0; pass < WARMUP.passes; pass++) {
        const ms: number[] = [];
        for (const vector of vectors) {
          const started = performance.now();
          await store.knnSearch(input.targetIndex, vector, K);
          ms.push(performance.now() - started);
        }
        passes.push(ms);
        heartbeat({ warmupPass: pass + 1 });
      }
      return {
        queries: texts.length,
        trafficQueries: texts.length - Math.min(goldenTexts.length, texts.length),
        passes: passes.length,
        cold: latencySummary(passes[0]!),
        warm: latencySummary(passes.slice(1).flat()),
      };
    },
  };
}
