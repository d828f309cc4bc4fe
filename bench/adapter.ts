import { recordResult } from './results.js';
import { fitAdapter } from '../src/adapter/adapter-fit.js';
import type { LinearMap } from '../src/adapter/linear-map.js';
import { dot, unit } from '../src/embedding/vector-math.js';
import { loadConfig } from '../src/config/env.js';
import { loadLeeCorpus, type LabelledCorpus } from '../src/corpus/lee.js';
import { loadSotuGoldenCorpus } from '../src/corpus/sotu.js';
import { ProviderPool } from '../src/embedding/provider-pool.js';
import { SpecCatalog } from '../src/embedding/spec-catalog.js';
import { mean, ndcgAt, overlapAt } from '../src/migration/retrieval-metrics.js';

/**
 * How well a linear adapter stands in for re-embedding, for real model pairs on the two
 * corpora with human labels. Per pair: the held-out recall@10 that gates the adapter
 * (held-out documents as queries, the fit never saw them), then the labelled queries:
 * recall@10 of adapted search against the full re-embedded search, and nDCG@10 on the
 * labels of the old model, the new model, and the two adapted searches.
 */
const PAIRS = (
  process.env.REEMBED_BENCH_ADAPTER_PAIRS ??
  'minilm-l6-v2>bge-small-en-v1.5,minilm-l6-v2>e5-small-v2,bge-small-en-v1.5>e5-small-v2,minilm-l6-v2>all-mpnet-base-v2'
)
  .split(',')
  .map((p) => p.split('>') as [string, string]);

const config = loadConfig();
const catalog = SpecCatalog.load();
const providers = new ProviderPool(config, { queryCacheSize: 0 });

const vectors = new Map<string, Float32Array[]>();
async function embed(specId: string, corpus: string, texts: readonly string[], purpose: 'document' | 'query'): Promise<Float32Array[]> {
  const key = `${specId}/${corpus}/${purpose}`;
  if (!vectors.has(key)) {
    const provider = await providers.get(catalog.get(specId));
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += 64) out.push(...(await provider.embed(texts.slice(i, i + 64), purpose)).vectors);
    vectors.set(key, out);
  }
  return vectors.get(key)!;
}

function rank(query: Float32Array, docs: readonly Float32Array[], ids: readonly string[]): string[] {
  const q = unit(query);
  return docs
    .map((d, i) => [dot(q, d), ids[i]!] as const)
    .sort((a, b) => b[0] - a[0])
    .slice(0, 10)
    .map(([, id]) => id);
}

export interface AdapterRow {
  readonly corpus: string;
  readonly documents: number;
  readonly queries: number;
  readonly oldSpec: string;
  readonly newSpec: string;
  /** Held-out recall@10 against the re-embedded top 10 (what the gate sees), with the method validation picked. */
  readonly heldOut: { readonly documents: number | null; readonly documentsMethod: string; readonly queries: number | null; readonly queriesMethod: string };
  /** On the corpus's labelled queries: recall@10 of adapted against re-embedded search, and nDCG@10 on the human labels. */
  readonly labelled: {
    readonly recallAdaptedDocuments: number | null;
    readonly recallAdaptedQueries: number | null;
    readonly ndcgOld: number | null;
    readonly ndcgNew: number | null;
    readonly ndcgAdaptedDocuments: number | null;
    readonly ndcgAdaptedQueries: number | null;
  };
  readonly fitSeconds: number;
}

export interface AdapterFigures {
  readonly rows: readonly AdapterRow[];
}

async function measure(name: string, corpus: LabelledCorpus, oldSpec: string, newSpec: string): Promise<AdapterRow> {
  const ids = corpus.documents.map((d) => d.id);
  const texts = corpus.documents.map((d) => d.text);
  const olds = await embed(oldSpec, name, texts, 'document');
  const news = await embed(newSpec, name, texts, 'document');
  const started = Date.now();
  const fit = fitAdapter(ids.map((id, i) => ({ id, old: olds[i]!, new: news[i]! })));
  const fitMs = Date.now() - started;
  const adaptedDocs = olds.map((v) => fit.oldToNew.apply(v));
  const queries = corpus.queries.filter((q) => q.relevant);
  const oldQueries = await embed(
    oldSpec,
    name,
    queries.map((q) => q.query),
    'query',
  );
  const newQueries = await embed(
    newSpec,
    name,
    queries.map((q) => q.query),
    'query',
  );
  const map = (m: LinearMap, v: Float32Array) => m.apply(v);
  const rows = queries.map((q, i) => {
    const truth = rank(newQueries[i]!, news, ids);
    const adaptedQuery = rank(map(fit.newToOld, newQueries[i]!), olds, ids);
    const adaptedDocuments = rank(newQueries[i]!, adaptedDocs, ids);
    return {
      recallQueries: overlapAt(10, truth, adaptedQuery),
      recallDocuments: overlapAt(10, truth, adaptedDocuments),
      ndcgOld: ndcgAt(10, rank(oldQueries[i]!, olds, ids), q.relevant!),
      ndcgNew: ndcgAt(10, truth, q.relevant!),
      ndcgAdaptedQuery: ndcgAt(10, adaptedQuery, q.relevant!),
      ndcgAdaptedDocuments: ndcgAt(10, adaptedDocuments, q.relevant!),
    };
  });
  const avg = (k: keyof (typeof rows)[number]) => mean(rows.map((r) => r[k]));
  const r = fit.report;
  return {
    corpus: name,
    documents: ids.length,
    queries: queries.length,
    oldSpec,
    newSpec,
    heldOut: { documents: r.recall.documents, documentsMethod: r.methods.documents, queries: r.recall.queries, queriesMethod: r.methods.queries },
    labelled: {
      recallAdaptedDocuments: avg('recallDocuments'),
      recallAdaptedQueries: avg('recallQueries'),
      ndcgOld: avg('ndcgOld'),
      ndcgNew: avg('ndcgNew'),
      ndcgAdaptedDocuments: avg('ndcgAdaptedDocuments'),
      ndcgAdaptedQueries: avg('ndcgAdaptedQuery'),
    },
    fitSeconds: fitMs / 1000,
  };
}

async function main(): Promise<void> {
  const corpora: [string, LabelledCorpus][] = [
    ['lee', loadLeeCorpus(config.datasetsDir)],
    ['demo', await loadSotuGoldenCorpus()],
  ];
  const rows: AdapterRow[] = [];
  for (const [name, corpus] of corpora) {
    for (const [oldSpec, newSpec] of PAIRS) {
      rows.push(await measure(name, corpus, oldSpec, newSpec));
      console.error(`${name}: ${oldSpec} → ${newSpec}: held-out recall@10 ${rows.at(-1)!.heldOut.documents?.toFixed(3)} (documents)`);
    }
  }
  const file = recordResult<AdapterFigures>('adapter', 'npm run bench -- adapter', { rows });
  console.log(`adapter figures recorded in ${file}`);
}

await main();
