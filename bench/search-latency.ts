import { DefaultLogger, Runtime } from '@temporalio/worker';
import { ReembedClient } from '../src/client/reembed-client';
import { loadConfig } from '../src/config/env';
import { loadSotuPassages } from '../src/corpus/sotu';
import { ProviderPool } from '../src/embedding/provider-pool';
import { SpecCatalog } from '../src/embedding/spec-catalog';
import { CollectionRegistry } from '../src/registry/collection-registry';
import { createElasticsearchClient } from '../src/store/elasticsearch-client';
import { SearchRouter } from '../src/search/search-router';
import { createReembedWorker } from '../src/worker/create-worker';
import { createWriter } from '../src/writer/create-writer';

/**
 * Routed search latency on one corpus: against a single index, then mid-migration with
 * both indexes searched through one _msearch and merged. Prints p50/p95 end to end
 * (query embedding included) and for the Elasticsearch part alone (vectors precomputed).
 */

const COLLECTION = 'bench-sotu';
const OLD = 'minilm-l6-v2';
const NEW = 'minilm-l6-v2-cls';
const QUERIES = [
  'rebuilding the economy after the financial crisis', 'health insurance and the cost of medical care', 'climate change and clean energy',
  'war on terror and national security', 'tax cuts for working families', 'immigration reform and border security', 'education, teachers and schools',
  'the national debt and the deficit', 'veterans and military families', 'trade agreements and manufacturing jobs', 'infrastructure, roads and bridges',
  'social security and medicare', 'the opioid epidemic', 'space exploration', 'voting rights and democracy', 'the covid pandemic and vaccines',
];
const ROUNDS = 8;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function measure(router: SearchRouter, vectors: Map<string, Record<string, Float32Array>> | null): Promise<{ p50: number; p95: number; n: number; route: string }> {
  const times: number[] = [];
  let route = '';
  for (const q of QUERIES) await router.search(COLLECTION, q, { k: 10, ...(vectors ? { queryVectors: vectors.get(q)! } : {}) }); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    for (const q of QUERIES) {
      const t = performance.now();
      const result = await router.search(COLLECTION, q, { k: 10, ...(vectors ? { queryVectors: vectors.get(q)! } : {}) });
      times.push(performance.now() - t);
      route = result.route;
    }
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p95: percentile(times, 95), n: times.length, route };
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const config = loadConfig();
  const es = createElasticsearchClient(config);
  const catalog = SpecCatalog.load();
  const providers = new ProviderPool(config);
  const registry = new CollectionRegistry(es);
  const client = await ReembedClient.connect(config);
  await client.init();

  const docs = loadSotuPassages({ fromYear: 2001, toYear: 2021 });
  const existing = await registry.find(COLLECTION);
  if (!existing || existing.activeSpecId !== OLD || (await es.count({ index: existing.activeIndex })).count < docs.length) {
    const writer = createWriter(config);
    await writer.createCollection(COLLECTION, OLD, { storeContent: true });
    console.error(`ingesting ${docs.length} passages into ${COLLECTION} (once)…`);
    for (let i = 0; i < docs.length; i += 64) await writer.upsert(COLLECTION, docs.slice(i, i + 64).map((d) => ({ id: d.id, text: d.text, metadata: d.metadata })));
    await writer.close();
  }

  const vectors = new Map<string, Record<string, Float32Array>>();
  for (const q of QUERIES) {
    const entry: Record<string, Float32Array> = {};
    for (const specId of [OLD, NEW]) entry[specId] = (await (await providers.get(catalog.get(specId))).embed([q], 'query')).vectors[0]!;
    vectors.set(q, entry);
  }
  const router = (strategy: 'rrf' | 'coverage-weighted') => new SearchRouter({ es, registry, catalog, providers }, { strategy, registryCacheMs: 60_000 });

  const single = { e2e: await measure(router('rrf'), null), es: await measure(router('rrf'), vectors) };

  const worker = await createReembedWorker(config, catalog);
  const merged = await worker.worker.runUntil(async () => {
    await client.startMigration({ collection: COLLECTION, targetSpecId: NEW, graceMs: 3_600_000, requestedBy: 'bench' });
    await client.waitForPhase(COLLECTION, ['AWAITING_APPROVAL'], { timeoutMs: 600_000 });
    const result = {
      rrf: { e2e: await measure(router('rrf'), null), es: await measure(router('rrf'), vectors) },
      weighted: { e2e: await measure(router('coverage-weighted'), null), es: await measure(router('coverage-weighted'), vectors) },
    };
    await client.reject(COLLECTION, { by: 'bench', reason: 'benchmark finished' });
    await client.result(COLLECTION);
    return result;
  });
  await worker.close();

  const row = (name: string, m: { p50: number; p95: number; n: number; route: string }, base?: number) =>
    `| ${name} | ${m.route} | ${m.n} | ${m.p50.toFixed(1)} | ${m.p95.toFixed(1)} | ${base ? `${(m.p50 / base).toFixed(2)}×` : '1.00×'} |`;
  console.log(`\nRouted search latency, ${docs.length} passages, k=10, ${QUERIES.length} queries × ${ROUNDS} rounds (ms)\n`);
  console.log('| measurement | route | searches | p50 | p95 | p50 vs single |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  console.log(row('single index, end to end', single.e2e));
  console.log(row('merged (RRF), end to end', merged.rrf.e2e, single.e2e.p50));
  console.log(row('merged (coverage-weighted), end to end', merged.weighted.e2e, single.e2e.p50));
  console.log(row('single index, Elasticsearch only', single.es));
  console.log(row('merged (RRF), Elasticsearch only', merged.rrf.es, single.es.p50));
  console.log(row('merged (coverage-weighted), Elasticsearch only', merged.weighted.es, single.es.p50));
  const ratio = merged.rrf.e2e.p50 / single.e2e.p50;
  console.log(`\ntarget: merged p50 ≤ 1.3 × single-index p50 (end to end): ${ratio.toFixed(2)}× — ${ratio <= 1.3 ? 'met' : 'NOT met'}`);
  await client.close();
  await es.close();
}

main().catch((error: Error) => {
  console.error(`bench failed: ${error.message}`);
  process.exit(1);
});
