import { loadSotuPassages } from '../src/corpus/sotu.js';
import { BACKFILL_SETTINGS } from '../src/store/vector-index-layout.js';
import { hashedEmbedding } from '../test/helpers/hashed-vectors.js';
import { ensureCollection, openBench, whileAwaitingApproval, type Bench } from './harness.js';
import { recordResult } from './results.js';

export interface ClusterBackfillFigures {
  readonly documents: number;
  readonly target: string;
  /** Backfill documents/s of the same migration against each Elasticsearch, in one run. */
  readonly backfill: { readonly singleNode: number; readonly cluster: number };
  /** Bulk indexing alone on the cluster, the same vectors into three primaries with 0 and with 1 replica, rounds interleaved. */
  readonly replicas: { readonly documents: number; readonly rounds: number; readonly zero: number; readonly one: number };
}

/**
 * What a three-node cluster changes for the backfill, in one run: the same migration (the demo
 * corpus, MiniLM → its CLS variant, two partitions) against the single node and against the
 * local cluster (`npm run services:up -- cluster`), and the question the backfill's settings
 * answer — what keeping a replica during the copy costs — measured as bulk indexing alone.
 */

const SOURCE = 'minilm-l6-v2';
const TARGET = 'minilm-l6-v2-cls';
const FIRST_PORT = Number(process.env.REEMBED_ES_CLUSTER_PORT ?? 9210);
const CLUSTER_URL = [0, 1, 2].map((i) => `http://127.0.0.1:${FIRST_PORT + i}`).join(',');
const BULK_DOCUMENTS = 20_000;
const BULK_BATCH = 500;
const ROUNDS = 3;

async function backfillDocsPerSecond(bench: Bench): Promise<number> {
  const docs = loadSotuPassages({ fromYear: 2001, toYear: 2021 });
  await ensureCollection(bench, 'bench-cluster', SOURCE, docs);
  const status = await whileAwaitingApproval(
    bench,
    { collection: 'bench-cluster', targetSpecId: TARGET, batchSize: 64, hotFirstLimit: 0, parallelism: 2 },
    async (waiting) => waiting,
  );
  return status.documents.migrated / ((Date.parse(status.backfillEndedAt!) - Date.parse(status.backfillStartedAt!)) / 1000);
}

/** Bulk-indexes the same vectors into a fresh index with `replicas`; documents/s. */
async function bulkDocsPerSecond(bench: Bench, replicas: number, round: number): Promise<number> {
  const { store, catalog } = bench.services;
  const spec = catalog.get(TARGET);
  const index = `bench-cluster-replicas-${replicas}-${round}`;
  await store.deleteIndex(index);
  await store.ensureIndex(index, spec, { ...BACKFILL_SETTINGS, number_of_shards: 3, number_of_replicas: replicas });
  await bench.services.es.cluster.health({ index, wait_for_status: 'green', timeout: '60s' });
  const started = performance.now();
  for (let i = 0; i < BULK_DOCUMENTS; i += BULK_BATCH) {
    const batch = Array.from({ length: BULK_BATCH }, (_, j) => {
      const id = `doc-${i + j}`;
      return { id, vector: hashedEmbedding(spec.model, id, spec.dimensions), sourceHash: id };
    });
    await store.bulkUpsert(index, spec, batch);
  }
  // Replicas are written before the bulk returns; the refresh makes the copies searchable on every shard copy.
  await store.refresh(index);
  const seconds = (performance.now() - started) / 1000;
  await store.deleteIndex(index);
  return BULK_DOCUMENTS / seconds;
}

async function main(): Promise<void> {
  const single = await openBench();
  const cluster = await openBench(undefined, { ES_URL: CLUSTER_URL });
  const backfill = { singleNode: await backfillDocsPerSecond(single), cluster: await backfillDocsPerSecond(cluster) };
  console.log(`backfill: single node ${backfill.singleNode.toFixed(1)} docs/s, cluster ${backfill.cluster.toFixed(1)} docs/s`);
  const zero: number[] = [];
  const one: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    zero.push(await bulkDocsPerSecond(cluster, 0, round));
    one.push(await bulkDocsPerSecond(cluster, 1, round));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const replicas = { documents: BULK_DOCUMENTS, rounds: ROUNDS, zero: median(zero), one: median(one) };
  console.log(`bulk indexing on the cluster: 0 replicas ${replicas.zero.toFixed(0)} docs/s, 1 replica ${replicas.one.toFixed(0)} docs/s`);
  const file = recordResult<ClusterBackfillFigures>('cluster-backfill', 'npm run bench -- cluster-backfill', {
    documents: loadSotuPassages({ fromYear: 2001, toYear: 2021 }).length,
    target: TARGET,
    backfill,
    replicas,
  });
  console.log(`cluster figures recorded in ${file}`);
  await Promise.all([single.client.close(), cluster.client.close()]);
  await Promise.all([single.services.close(), cluster.services.close()]);
}

await main();
