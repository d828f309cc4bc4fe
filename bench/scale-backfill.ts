import type { ChildProcess } from 'node:child_process';
import { createReadStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { connectTemporal } from '../src/client/temporal-client.js';
import { sourceHash } from '../src/corpus/source-hash.js';
import type { MigrationStatus } from '../src/migration/status.js';
import { BACKFILL_SETTINGS } from '../src/store/vector-index-layout.js';
import { hashedEmbedding } from '../test/helpers/hashed-vectors.js';
import { HASHED_VECTORS, OpenAICompatibleServer } from '../test/helpers/openai-compatible-server.js';
import { exited, historyRuns, openBench, spawnTs, stopped, type Bench } from './harness.js';
import { recordResult } from './results.js';
import { syntheticCorpusFile, syntheticDocument } from './synthetic-corpus.js';

/**
 * The backfill at scale, with the model taken out: a synthetic corpus ingested on the
 * OpenAI-compatible local server's hashed vectors (`openai-3-small-256`), then migrated to
 * `openai-3-large-256` by separate worker processes. In one run, for the same documents,
 * vectors and mapping: Elasticsearch bulk indexing alone against the whole backfill
 * (Temporal activities, source reads, HTTP embedding, guarded bulk writes), the workers'
 * peak RSS, the workflow's history per run and the partitions each worker executed.
 *
 *   npm run bench -- backfill --docs <n> [--workers <w>] [--parallelism <p>] [--batch-size <b>] [--json]
 */

const SOURCE = 'openai-3-small-256';
const TARGET = 'openai-3-large-256';
const API_KEY = 'sk-bench-scale';
const TASK_QUEUE = 'reembed-bench-scale';
/** temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY */
const TASK_QUEUE_TYPE_ACTIVITY = 2;

const argsSchema = z.object({
  docs: z.coerce.number().int().min(1000).max(100_000_000),
  workers: z.coerce.number().int().min(1).max(8).default(1),
  // Each worker runs two activities at once: two partitions per worker keep them all busy.
  parallelism: z.coerce.number().int().min(1).max(64).optional(),
  'batch-size': z.coerce.number().int().min(1).max(1024).default(256),
  json: z.boolean().default(false),
});

export interface ScaleFigures {
  docs: number;
  workers: number;
  partitions: number;
  batchSize: number;
  esBulkDocsPerSec: number;
  backfillDocsPerSec: number;
  ratio: number;
  workerPeakRssMb: number;
  historyEvents: number;
  /** Events of the longest run, which the 10,000 target is about. */
  maxRunHistoryEvents: number;
  runs: number;
  partitionsPerWorker: number[];
  /** Null when the collection was already ingested by an earlier run of the bench. */
  ingestDocsPerSec: number | null;
  ingestPeakRssMb: number | null;
}

/** Peak resident set of a process (VmHWM), sampled until it exits: the last reading is its peak. */
class PeakRss {
  private peakKb = 0;
  private readonly timer: NodeJS.Timeout;
  constructor(private readonly pid: number) {
    this.timer = setInterval(() => this.sample(), 500);
  }
  sample(): void {
    try {
      const kb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'))?.[1] ?? 0);
      this.peakKb = Math.max(this.peakKb, kb);
    } catch {
      // The process has exited: its last sample stands.
    }
  }
  stop(): number {
    this.sample();
    clearInterval(this.timer);
    return this.peakKb / 1024;
  }
}

/** Ingests the corpus through the CLI (a process of its own, so its peak RSS is its own), unless it is there already. */
async function ensureSource(bench: Bench, collection: string, file: string, docs: number, batchSize: number, env: NodeJS.ProcessEnv) {
  const existing = await bench.services.registry.find(collection);
  if (existing && (await bench.services.store.count(existing.activeIndex)) >= docs) return { ingestDocsPerSec: null, ingestPeakRssMb: null };
  console.error(`ingesting ${docs.toLocaleString('en')} synthetic documents into ${collection} (once)…`);
  const started = performance.now();
  const child = spawnTs('src/cli/main.ts', ['ingest', collection, '--spec', SOURCE, '--file', file, '--batch-size', String(batchSize)], env);
  const rss = new PeakRss(child.pid!);
  const code = await exited(child);
  const ingestPeakRssMb = rss.stop();
  if (code !== 0) throw new Error(`reembed ingest exited with ${code}`);
  return { ingestDocsPerSec: docs / ((performance.now() - started) / 1000), ingestPeakRssMb };
}

/**
 * Elasticsearch alone: the target's documents (text, hashed vector, the fields the backfill
 * writes) bulk-indexed into an index of the target's mapping and backfill settings, in
 * batches of the backfill's size, as many requests at once as the backfill runs partitions.
 */
async function bulkAlone(bench: Bench, file: string, batchSize: number, concurrency: number): Promise<number> {
  const { store, catalog } = bench.services;
  const spec = catalog.get(TARGET);
  const index = `bench-scale-bulk-alone-${Date.now()}`;
  await store.ensureIndex(index, spec, BACKFILL_SETTINGS);
  const inFlight = new Set<Promise<unknown>>();
  let written = 0;
  let batch: { id: string; text: string }[] = [];
  const send = async (docs: { id: string; text: string }[]) => {
    const write = store.bulkUpsert(
      index,
      spec,
      docs.map((d) => ({ id: d.id, content: d.text, sourceHash: sourceHash(d.text), vector: hashedEmbedding(spec.model, d.text, spec.dimensions) })),
    );
    inFlight.add(write);
    void write.finally(() => inFlight.delete(write));
    written += docs.length;
    if (inFlight.size >= concurrency) await Promise.race(inFlight);
  };
  const started = performance.now();
  for await (const line of createInterface({ input: createReadStream(file) })) {
    batch.push(JSON.parse(line) as { id: string; text: string });
    if (batch.length === batchSize) {
      await send(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await send(batch);
  await Promise.all(inFlight);
  const docsPerSec = written / ((performance.now() - started) / 1000);
  await bench.services.es.indices.delete({ index });
  return docsPerSec;
}

/**
 * Waits until Elasticsearch runs no merges: a freshly loaded index keeps merging (and
 * rebuilding HNSW graphs) for minutes, and each measurement starts on a quiet node.
 */
async function mergesSettled(bench: Bench): Promise<void> {
  for (let quiet = 0; quiet < 3; await new Promise((r) => setTimeout(r, 2000))) {
    const stats = await bench.services.es.nodes.stats({ metric: 'indices', index_metric: 'merge' });
    const running = Object.values(stats.nodes).reduce((sum, node) => sum + (node.indices?.merges?.current ?? 0), 0);
    quiet = running === 0 ? quiet + 1 : 0;
  }
}

/** Waits until the worker processes poll the task queue for activities: their start-up (bundling the workflows) is not backfill time. */
async function pollingWorkers(bench: Bench, pids: readonly number[]): Promise<void> {
  const connection = await connectTemporal(bench.config);
  try {
    for (const deadline = Date.now() + 120_000; ; await new Promise((r) => setTimeout(r, 500))) {
      const { pollers } = await connection.client.workflowService.describeTaskQueue({
        namespace: bench.config.temporal.namespace,
        taskQueue: { name: TASK_QUEUE },
        taskQueueType: TASK_QUEUE_TYPE_ACTIVITY,
      });
      // A worker's default identity is pid@host; pollers of earlier runs linger in the list for a while.
      const polling = pids.filter((pid) => pollers?.some((p) => p.identity?.startsWith(`${pid}@`)));
      if (polling.length === pids.length) return;
      if (Date.now() > deadline) throw new Error(`${pids.length} worker(s) were started but ${polling.length} poll ${TASK_QUEUE} after 2 minutes`);
    }
  } finally {
    await connection.close();
  }
}

function partitionsPerWorker(status: MigrationStatus, pids: readonly number[]): number[] {
  return pids.map((pid) => (status.partitions ?? []).filter((p) => p.workers.some((w) => w.endsWith(`:${pid}`))).length);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      docs: { type: 'string' },
      workers: { type: 'string' },
      parallelism: { type: 'string' },
      'batch-size': { type: 'string' },
      json: { type: 'boolean' },
    },
    strict: true,
  });
  const parsed = argsSchema.safeParse(values);
  if (!parsed.success)
    throw new Error(
      `usage: npm run bench -- backfill --docs <n> [--workers <w>] [--parallelism <p>] [--batch-size <b>] [--json]\n${z.prettifyError(parsed.error)}`,
    );
  const args = parsed.data;
  const parallelism = args.parallelism ?? 2 * args.workers;
  const batchSize = args['batch-size'];

  const server = await OpenAICompatibleServer.start(HASHED_VECTORS, {
    apiKey: API_KEY,
    models: ['text-embedding-3-small', 'text-embedding-3-large'],
    recordInputs: false,
    // The tokenizer of a real API runs on its machines, not on the two cores measured here.
    countUsage: false,
  });
  const env = { ...process.env, OPENAI_BASE_URL: server.baseURL, OPENAI_API_KEY: API_KEY, REEMBED_TASK_QUEUE: TASK_QUEUE };
  Object.assign(process.env, env);
  const bench = await openBench();
  const workers: ChildProcess[] = [];
  try {
    const file = await syntheticCorpusFile(args.docs);
    // Named after the corpus too: a collection ingested from another version of the generator is not reused.
    const collection = `bench-scale-${args.docs}-${sourceHash(syntheticDocument(0).text).slice(0, 8)}`;
    const ingest = await ensureSource(bench, collection, file, args.docs, batchSize, env);
    console.error('waiting for Elasticsearch to finish merging…');
    await mergesSettled(bench);
    console.error(`bulk-indexing the same documents into Elasticsearch alone…`);
    const esBulkDocsPerSec = await bulkAlone(bench, file, batchSize, parallelism);

    await mergesSettled(bench);
    console.error(`backfilling with ${args.workers} worker process(es), parallelism ${parallelism}…`);
    workers.push(...Array.from({ length: args.workers }, () => spawnTs('src/worker/main.ts', [], env)));
    const rss = workers.map((w) => new PeakRss(w.pid!));
    await pollingWorkers(
      bench,
      workers.map((w) => w.pid!),
    );
    const since = new Date();
    await bench.client.startMigration({ collection, targetSpecId: TARGET, batchSize, parallelism, hotFirstLimit: 0, graceMs: 0, requestedBy: 'bench' });
    const waiting = await bench.client.waitForPhase(collection, ['AWAITING_APPROVAL'], {
      timeoutMs: 6 * 3_600_000,
      // Each status query is a workflow task on a worker: the bench watches no more than an operator would.
      pollMs: 5_000,
    });
    const backfillS = (Date.parse(waiting.backfillEndedAt!) - Date.parse(waiting.backfillStartedAt!)) / 1000;
    const backfillDocsPerSec = waiting.documents.migrated / backfillS;
    await bench.client.reject(collection, { by: 'bench', reason: 'benchmark finished' });
    await bench.client.result(collection);
    const workerPeakRssMb = Math.max(...rss.map((r) => r.stop()));
    const runs = await historyRuns(bench, collection, since);

    const figures: ScaleFigures = {
      docs: args.docs,
      workers: args.workers,
      partitions: waiting.partitions?.length ?? 1,
      batchSize,
      esBulkDocsPerSec: Math.round(esBulkDocsPerSec),
      backfillDocsPerSec: Math.round(backfillDocsPerSec),
      ratio: Number((backfillDocsPerSec / esBulkDocsPerSec).toFixed(3)),
      workerPeakRssMb: Math.round(workerPeakRssMb),
      historyEvents: runs.reduce((a, b) => a + b, 0),
      maxRunHistoryEvents: Math.max(...runs),
      runs: runs.length,
      partitionsPerWorker: partitionsPerWorker(
        waiting,
        workers.map((w) => w.pid!),
      ),
      ingestDocsPerSec: ingest.ingestDocsPerSec === null ? null : Math.round(ingest.ingestDocsPerSec),
      ingestPeakRssMb: ingest.ingestPeakRssMb === null ? null : Math.round(ingest.ingestPeakRssMb),
    };
    // Each size is its own record, so the figures at 250,000 and at a million stand side by side.
    recordResult<ScaleFigures>(`scale-backfill-${args.docs}`, `npm run bench -- backfill --docs ${args.docs} --workers ${args.workers}`, figures);
    if (args.json) {
      console.log(JSON.stringify(figures));
    } else {
      console.log(`\nBackfill at scale: ${figures.docs.toLocaleString('en')} synthetic documents, hashed 256-d vectors (no model), batches of ${batchSize}\n`);
      console.log(
        '| docs | workers | partitions | ES bulk alone docs/s | backfill docs/s | ratio | worker peak RSS | history events (runs, longest run) | partitions per worker |',
      );
      console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
      console.log(
        `| ${figures.docs.toLocaleString('en')} | ${figures.workers} | ${figures.partitions} | ${figures.esBulkDocsPerSec} | ${figures.backfillDocsPerSec} | ${figures.ratio.toFixed(2)}× | ${figures.workerPeakRssMb} MB | ${figures.historyEvents} (${figures.runs}, ${figures.maxRunHistoryEvents}) | ${figures.partitionsPerWorker.join(' / ')} |`,
      );
      if (figures.ingestDocsPerSec !== null)
        console.log(`\nIngest through \`reembed ingest\`: ${figures.ingestDocsPerSec} docs/s, peak RSS ${figures.ingestPeakRssMb} MB`);
    }
  } finally {
    await stopped(workers);
    await bench.client.close();
    await server.stop();
  }
}

main().catch((error: Error) => {
  console.error(`scale backfill bench failed: ${error.message}`);
  process.exit(1);
});
