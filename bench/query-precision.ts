import { loadConfig } from '../src/config/env.js';
import { loadLeeCorpus, type LabelledCorpus } from '../src/corpus/lee.js';
import { loadSotuGoldenCorpus } from '../src/corpus/sotu.js';
import { ProviderPool } from '../src/embedding/provider-pool.js';
import { SpecCatalog } from '../src/embedding/spec-catalog.js';
import { dot } from '../src/embedding/vector-math.js';
import { percentile } from '../src/migration/latency.js';
import { mean, ndcgAt, overlapAt, recallAt } from '../src/migration/retrieval-metrics.js';
import { ExactTopK } from '../src/quality/exact-top-k.js';
import { recordResult } from './results.js';

type ByDtype = { readonly fp32: number | null; readonly q8: number | null };

export interface QueryPrecisionFigures {
  readonly spec: string;
  readonly rows: readonly {
    readonly corpus: string;
    readonly documents: number;
    readonly queries: number;
    readonly ndcg10: ByDtype;
    readonly recall10: ByDtype;
    readonly overlap10: number | null;
    readonly leastCosine: number;
    readonly meanCosine: number;
    readonly queryP50Ms: ByDtype;
  }[];
}

/**
 * What `queryDtype: 'q8'` costs and buys for bge-small-en-v1.5: the documents embedded once
 * with the spec's fp32 weights, the labelled queries embedded with each query weight, exact
 * top-10 by cosine, nDCG@10 and recall@10 on human labels, overlap@10 between the two
 * rankings; and each query's forward pass alone (p50, in the same loop).
 */

const SPEC = 'bge-small-en-v1.5';
const K = 10;

async function main(): Promise<void> {
  const config = loadConfig();
  const catalog = SpecCatalog.load();
  const spec = catalog.get(SPEC);
  if (spec.provider !== 'transformers') throw new Error(`${SPEC} is not a local spec`);
  const variants = { fp32: { ...spec, queryDtype: 'fp32' as const }, q8: { ...spec, queryDtype: 'q8' as const } };
  // Pools key providers by spec id: one pool per variant, the query-vector cache off.
  const pools = { fp32: new ProviderPool(config, { queryCacheSize: 0 }), q8: new ProviderPool(config, { queryCacheSize: 0 }) };
  const corpora: [string, LabelledCorpus][] = [
    ['lee', loadLeeCorpus(config.datasetsDir)],
    ['demo', await loadSotuGoldenCorpus()],
  ];
  const rows: QueryPrecisionFigures['rows'][number][] = [];
  for (const [name, corpus] of corpora) {
    const documents = (
      await (
        await pools.fp32.get(variants.fp32)
      ).embed(
        corpus.documents.map((d) => d.text),
        'document',
      )
    ).vectors;
    const labelled = corpus.queries.filter((q) => q.relevant);
    const figures = {
      ndcg: { fp32: [] as (number | null)[], q8: [] as (number | null)[] },
      recall: { fp32: [] as (number | null)[], q8: [] as (number | null)[] },
    };
    const times = { fp32: [] as number[], q8: [] as number[] };
    const overlaps: number[] = [];
    const cosines: number[] = [];
    for (const q of labelled) {
      const vectors: Record<'fp32' | 'q8', Float32Array> = { fp32: new Float32Array(), q8: new Float32Array() };
      for (const dtype of ['fp32', 'q8'] as const) {
        const started = performance.now();
        [vectors[dtype]] = (await pools[dtype].embedQuery([variants[dtype]], q.query)) as [Float32Array];
        times[dtype].push(performance.now() - started);
      }
      const top = new ExactTopK([vectors.fp32, vectors.q8], K, spec.similarity);
      documents.forEach((d, i) => top.add(corpus.documents[i]!.id, d));
      const ranked = { fp32: top.topIds(0), q8: top.topIds(1) };
      for (const dtype of ['fp32', 'q8'] as const) {
        figures.ndcg[dtype].push(ndcgAt(K, ranked[dtype], q.relevant!));
        figures.recall[dtype].push(recallAt(K, ranked[dtype], q.relevant!));
      }
      overlaps.push(overlapAt(K, ranked.fp32, ranked.q8));
      cosines.push(dot(vectors.fp32, vectors.q8));
    }
    for (const list of Object.values(times)) list.sort((a, b) => a - b);
    rows.push({
      corpus: name,
      documents: documents.length,
      queries: labelled.length,
      ndcg10: { fp32: mean(figures.ndcg.fp32), q8: mean(figures.ndcg.q8) },
      recall10: { fp32: mean(figures.recall.fp32), q8: mean(figures.recall.q8) },
      overlap10: mean(overlaps),
      leastCosine: Math.min(...cosines),
      meanCosine: mean(cosines)!,
      queryP50Ms: { fp32: percentile(times.fp32, 50), q8: percentile(times.q8, 50) },
    });
    console.log(`${name}: nDCG@10 fp32 ${mean(figures.ndcg.fp32)?.toFixed(3)} → q8 ${mean(figures.ndcg.q8)?.toFixed(3)}`);
  }
  const file = recordResult<QueryPrecisionFigures>('query-precision', 'npm run bench -- query-precision', { spec: SPEC, rows });
  console.log(`query precision recorded in ${file}`);
}

main().catch((error: Error) => {
  console.error(`query precision bench failed: ${error.message}`);
  process.exit(1);
});
