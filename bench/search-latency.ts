import { loadSotuPassages } from '../src/corpus/sotu.js';
import { percentile } from '../src/migration/latency.js';
import type { SearchOptions } from '../src/search/search-router.js';
import { Services } from '../src/services.js';
import { ensureCollection, openBench, whileAwaitingApproval } from './harness.js';
import { recordResult } from './results.js';

/**
 * Routed search latency on one corpus: against a single index, then mid-migration with
 * both indexes searched through one _msearch and merged. Records p50/p95 end to end
 * (query embedding included) and for the Elasticsearch part alone (vectors precomputed).
 */

const COLLECTION = 'bench-sotu';
const OLD = 'minilm-l6-v2';
/**
 * Two migrations, measured in turn: to a spec reading the same weights (the query is run
 * through them once for both) and to a different model (two forward passes at once, the
 * second in a query thread) — the latter twice in the same window: with the spec's fp32
 * query weights and with `queryDtype: 'q8'`.
 */
const TARGETS = [
  { spec: 'minilm-l6-v2-cls', target: 1.3, queryDtypes: [null] },
  { spec: 'bge-small-en-v1.5', target: 1.5, queryDtypes: [null, 'q8'] },
] as const;
const QUERIES = [
  'rebuilding the economy after the financial crisis',
  'health insurance and the cost of medical care',
  'climate change and clean energy',
  'war on terror and national security',
  'tax cuts for working families',
  'immigration reform and border security',
  'education, teachers and schools',
  'the national debt and the deficit',
  'veterans and military families',
  'trade agreements and manufacturing jobs',
  'infrastructure, roads and bridges',
  'social security and medicare',
  'the opioid epidemic',
  'space exploration',
  'voting rights and democracy',
  'the covid pandemic and vaccines',
];
const ROUNDS = 8;

export type Figures = { p50: number; p95: number; n: number; route: string };

export interface SearchLatencyFigures {
  readonly documents: number;
  readonly queries: number;
  readonly rounds: number;
  readonly migrations: readonly {
    readonly from: string;
    readonly to: string;
    /** The goal: merged p50 at most this many times the single index's. */
    readonly target: number;
    /** Labels of the new spec's query-weight variants ('' for the spec as shipped). */
    readonly variants: readonly string[];
    /** End to end (query embedding included) and Elasticsearch only (vectors precomputed), by measurement. */
    readonly figures: { readonly e2e: Record<string, Figures>; readonly es: Record<string, Figures> };
  }[];
}
/** What is measured: a router, or the new index searched alone with its own model. */
type Searcher = { search(collection: string, text: string, options: SearchOptions): Promise<{ route: string }> };

/**
 * Each round runs every query through every router in turn, so a slower or busier moment
 * of the machine weighs on all of them alike instead of on whichever was measured then.
 */
async function measure(routers: Record<string, Searcher>, vectors: Map<string, Record<string, Float32Array>> | null): Promise<Record<string, Figures>> {
  const times = new Map<string, number[]>(Object.keys(routers).map((name) => [name, []]));
  const routes = new Map<string, string>();
  const search = (router: Searcher, q: string) => router.search(COLLECTION, q, { k: 10, ...(vectors ? { queryVectors: vectors.get(q)! } : {}) });
  for (const router of Object.values(routers)) for (const q of QUERIES) await search(router, q); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    for (const q of QUERIES) {
      for (const [name, router] of Object.entries(routers)) {
        const t = performance.now();
        const result = await search(router, q);
        times.get(name)!.push(performance.now() - t);
        routes.set(name, result.route);
      }
    }
  }
  return Object.fromEntries(
    [...times].map(([name, list]) => {
      list.sort((a, b) => a - b);
      return [name, { p50: percentile(list, 50), p95: percentile(list, 95), n: list.length, route: routes.get(name)! }];
    }),
  );
}

async function main(): Promise<void> {
  // No query-vector cache: every search pays for its embedding, as a new query does.
  const bench = await openBench({ queryCacheSize: 0 });
  const { catalog, providers, store } = bench.services;
  const docs = loadSotuPassages({ fromYear: 2001, toYear: 2021 });
  await ensureCollection(bench, COLLECTION, OLD, docs);
  const migrations: SearchLatencyFigures['migrations'][number][] = [];

  for (const { spec: NEW, target, queryDtypes } of TARGETS) {
    // A variant's services differ from the bench's only in the new spec's query weights.
    const variants = queryDtypes.map((queryDtype) => {
      const spec = catalog.get(NEW);
      if (!queryDtype || spec.provider !== 'transformers') return { label: '', services: bench.services };
      return {
        label: ` [${queryDtype} queries]`,
        services: new Services(bench.config, { catalog: catalog.withSpec({ ...spec, queryDtype }), queryCacheSize: 0 }),
      };
    });
    // Routers per migration: their registry cache must not outlive the previous one.
    // Mid-migration, a router whose merge threshold cannot be reached searches the old index alone:
    // the single-index figure, taken in the same minutes as the merged ones.
    const routers = (targetIndex: string): Record<string, Searcher> => {
      const measured: Record<string, Searcher> = { single: bench.services.router({ registryCacheMs: 60_000, mergeThreshold: 2 }) };
      for (const { label, services } of variants) {
        const newSpec = services.catalog.get(NEW);
        // The new index with its own model, as the collection is searched after the cutover.
        measured[`newSingle${label}`] = {
          search: async (_collection, text, options) => {
            const vector = options.queryVectors?.[NEW] ?? (await services.providers.embedQuery([newSpec], text))[0]!;
            await store.knnSearch(targetIndex, vector, 10);
            return { route: 'new index' };
          },
        };
        measured[`rrf${label}`] = services.router({ registryCacheMs: 60_000, strategy: 'rrf' });
        measured[`weighted${label}`] = services.router({ registryCacheMs: 60_000, strategy: 'coverage-weighted' });
      }
      return measured;
    };
    const vectors = new Map<string, Record<string, Float32Array>>();
    for (const q of QUERIES) {
      const entry: Record<string, Float32Array> = {};
      for (const specId of [OLD, NEW]) entry[specId] = (await (await providers.get(catalog.get(specId))).embed([q], 'query')).vectors[0]!;
      vectors.set(q, entry);
    }
    const figures = await whileAwaitingApproval(bench, { collection: COLLECTION, targetSpecId: NEW, graceMs: 3_600_000 }, async (waiting) => {
      const measured = routers(waiting.targetIndex!);
      return { e2e: await measure(measured, null), es: await measure(measured, vectors) };
    });
    await Promise.all(variants.filter((v) => v.services !== bench.services).map((v) => v.services.close()));

    migrations.push({ from: OLD, to: NEW, target, variants: variants.map((v) => v.label), figures });
    console.log(`${OLD} → ${NEW}: merged (RRF) p50 ${figures.e2e.rrf!.p50.toFixed(1)} ms against ${figures.e2e.single!.p50.toFixed(1)} ms single`);
  }
  const file = recordResult<SearchLatencyFigures>('search-latency', 'npm run bench -- search-latency', {
    documents: docs.length,
    queries: QUERIES.length,
    rounds: ROUNDS,
    migrations,
  });
  console.log(`search latency recorded in ${file}`);
  await bench.client.close();
}

main().catch((error: Error) => {
  console.error(`bench failed: ${error.message}`);
  process.exit(1);
});
