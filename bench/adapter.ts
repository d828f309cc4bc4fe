import { recordResult } from './results.js';
import { fitAdapter } from '../src/adapter/adapter-fit.js';
import { judgeOnLabels, type LabelledComparison } from '../src/adapter/adapter-judgement.js';
import { dot, unit } from '../src/embedding/vector-math.js';
import { loadConfig } from '../src/config/env.js';
import { loadLeeCorpus, type LabelledCorpus } from '../src/corpus/lee.js';
import { loadSotuGoldenCorpus } from '../src/corpus/sotu.js';
import { ProviderPool } from '../src/embedding/provider-pool.js';
import { SpecCatalog } from '../src/embedding/spec-catalog.js';
import { DEFAULT_MAX_DROP } from '../src/migration/quality-gate.js';
import { mean, ndcgAt, overlapAt } from '../src/migration/retrieval-metrics.js';
import { reciprocalRankFusion } from '../src/search/merge-results.js';

/**
 * How well a linear adapter stands in for re-embedding, for real model pairs on the two
 * corpora with human labels, fitted with and without mean-centring on the same pairs. Per
 * pair: the held-out agreement with the re-embedded top 10 (held-out documents as queries,
 * the fit never saw them); on the labelled queries, recall@10 of adapted against re-embedded
 * search and nDCG@10 on the labels; and the decision a migration takes on labels, with every
 * tenth document stored without text (those are left out of the fit, as in a migration).
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

/** One way of fitting, measured three ways. */
export interface FitFigures {
  /** Held-out agreement with the re-embedded top 10 (what `--min-adapter-recall` gates), with the method validation picked. */
  readonly heldOut: { readonly documents: number | null; readonly documentsMethod: string; readonly queries: number | null; readonly queriesMethod: string };
  /** On the corpus's labelled queries, every document adapted: recall@10 against re-embedded search and nDCG@10 on the labels. */
  readonly labelled: {
    readonly recallAdaptedDocuments: number | null;
    readonly recallAdaptedQueries: number | null;
    readonly ndcgAdaptedDocuments: number | null;
    readonly ndcgAdaptedQueries: number | null;
  };
  /** The decision on the table, judged as a migration judges it (adapter-judgement.ts). */
  readonly decision: {
    /** Documents without text: the new index with their adapted vectors against without them. */
    readonly documents: LabelledComparison | null;
    /** A retired old model: the new index merged with the old one through adapted queries against the new index alone. */
    readonly queries: LabelledComparison | null;
  };
  readonly fitSeconds: number;
}

export interface AdapterRow {
  readonly corpus: string;
  readonly documents: number;
  readonly queries: number;
  readonly oldSpec: string;
  readonly newSpec: string;
  readonly ndcgOld: number | null;
  readonly ndcgNew: number | null;
  /** Documents stored without text in the decision (every tenth, by id hash): absent from the new index. */
  readonly withoutText: number;
  /** Labelled queries with a relevant document among them. */
  readonly queriesWithRelevantOnlyInOld: number;
  readonly centred: FitFigures;
  readonly uncentred: FitFigures;
}

export interface AdapterFigures {
  readonly rows: readonly AdapterRow[];
}

/** Every tenth document, chosen by a hash of its id so each run picks the same ones. */
function storedWithoutText(id: string): boolean {
  let h = 2166136261;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619);
  return (h >>> 0) % 10 === 0;
}

const ranked = (ids: readonly string[]) => ids.map((id, rank) => ({ id, score: 1 / (rank + 1), index: '', specId: '' }));

async function measure(name: string, corpus: LabelledCorpus, oldSpec: string, newSpec: string): Promise<AdapterRow> {
  const ids = corpus.documents.map((d) => d.id);
  const texts = corpus.documents.map((d) => d.text);
  const olds = await embed(oldSpec, name, texts, 'document');
  const news = await embed(newSpec, name, texts, 'document');
  const queries = corpus.queries.filter((q) => q.relevant);
  const queryTexts = queries.map((q) => q.query);
  const oldQueries = await embed(oldSpec, name, queryTexts, 'query');
  const newQueries = await embed(newSpec, name, queryTexts, 'query');
  const textless = new Set(ids.filter(storedWithoutText));
  const kept = ids.map((id, i) => ({ id, i })).filter(({ id }) => !textless.has(id));
  const keptIds = kept.map((k) => k.id);
  const keptNews = kept.map((k) => news[k.i]!);

  const fitWith = (centre: boolean): FitFigures => {
    const started = Date.now();
    // The pairs a migration has: documents both indexes hold, so none of those without text.
    const fit = fitAdapter(
      kept.map(({ id, i }) => ({ id, old: olds[i]!, new: news[i]! })),
      { centre },
    );
    const fitMs = Date.now() - started;
    const adaptedDocs = olds.map((v) => fit.oldToNew.apply(v));
    const rows = queries.map((q, i) => {
      const truth = rank(newQueries[i]!, news, ids);
      const adaptedQuery = rank(fit.newToOld.apply(newQueries[i]!), olds, ids);
      const adaptedDocuments = rank(newQueries[i]!, adaptedDocs, ids);
      const newOnly = rank(newQueries[i]!, keptNews, keptIds);
      const withAdapted = rank(
        newQueries[i]!,
        [...keptNews, ...ids.flatMap((id, d) => (textless.has(id) ? [adaptedDocs[d]!] : []))],
        [...keptIds, ...ids.filter((id) => textless.has(id))],
      );
      const merged = reciprocalRankFusion([ranked(newOnly), ranked(adaptedQuery)], 10).map((h) => h.id);
      return {
        recallQueries: overlapAt(10, truth, adaptedQuery),
        recallDocuments: overlapAt(10, truth, adaptedDocuments),
        ndcgAdaptedQuery: ndcgAt(10, adaptedQuery, q.relevant!),
        ndcgAdaptedDocuments: ndcgAt(10, adaptedDocuments, q.relevant!),
        documents: { query: q.query, relevant: q.relevant!, withIds: withAdapted, withoutIds: newOnly },
        queries: { query: q.query, relevant: q.relevant!, withIds: merged, withoutIds: newOnly },
      };
    });
    const avg = (k: 'recallQueries' | 'recallDocuments' | 'ndcgAdaptedQuery' | 'ndcgAdaptedDocuments') => mean(rows.map((r) => r[k]));
    const decide = (side: 'documents' | 'queries') =>
      judgeOnLabels(
        rows.map((r) => r[side]),
        DEFAULT_MAX_DROP,
        'without',
      )?.labelled ?? null;
    const r = fit.report;
    return {
      heldOut: { documents: r.recall.documents, documentsMethod: r.methods.documents, queries: r.recall.queries, queriesMethod: r.methods.queries },
      labelled: {
        recallAdaptedDocuments: avg('recallDocuments'),
        recallAdaptedQueries: avg('recallQueries'),
        ndcgAdaptedDocuments: avg('ndcgAdaptedDocuments'),
        ndcgAdaptedQueries: avg('ndcgAdaptedQuery'),
      },
      decision: { documents: decide('documents'), queries: decide('queries') },
      fitSeconds: fitMs / 1000,
    };
  };

  return {
    corpus: name,
    documents: ids.length,
    queries: queries.length,
    oldSpec,
    newSpec,
    ndcgOld: mean(queries.map((q, i) => ndcgAt(10, rank(oldQueries[i]!, olds, ids), q.relevant!))),
    ndcgNew: mean(queries.map((q, i) => ndcgAt(10, rank(newQueries[i]!, news, ids), q.relevant!))),
    withoutText: textless.size,
    queriesWithRelevantOnlyInOld: queries.filter((q) => Object.keys(q.relevant!).some((id) => textless.has(id))).length,
    centred: fitWith(true),
    uncentred: fitWith(false),
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
      const row = rows.at(-1)!;
      console.error(
        `${name}: ${oldSpec} → ${newSpec}: held-out agreement (documents) ${row.uncentred.heldOut.documents?.toFixed(3)} → ${row.centred.heldOut.documents?.toFixed(3)} centred; ` +
          `documents without text: ${row.centred.decision.documents?.verdict ?? 'not judged'}`,
      );
    }
  }
  const file = recordResult<AdapterFigures>('adapter', 'npm run bench -- adapter', { rows });
  console.log(`adapter figures recorded in ${file}`);
}

await main();
