import type { ChildProcess } from 'node:child_process';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { versionedIndexName } from '../src/store/vector-index-layout.js';
import { indexContents } from '../test/helpers/index-contents.js';
import { HASHED_VECTORS, OpenAICompatibleServer } from '../test/helpers/openai-compatible-server.js';
import { ensureCollection, exited, historyRuns, openBench, spawnTs, stopped } from './harness.js';
import { recordResult } from './results.js';
import { syntheticDocument } from './synthetic-corpus.js';

/**
 * A paid re-embedding through the OpenAI Batch API against the stand-in server's Files and
 * Batches endpoints: synthetic documents (a share of them repeating another's text, as real
 * corpora do) migrated from `openai-3-small-256` to `openai-3-large-256` by a worker process
 * that may be SIGKILLed while its batches are in flight. In one run: what the migration spent
 * against what the synchronous API would charge for the same documents (the estimate, one
 * input per document), the lines submitted and submitted twice, and exact parity after cutover.
 *
 *   npm run bench -- batch-api --docs <n> [--kill-worker-at <fraction>] [--duplicates <share>] [--lines-per-file <n>] [--json]
 */

const SOURCE = 'openai-3-small-256';
const TARGET = 'openai-3-large-256';
const API_KEY = 'sk-bench-batch';
const TASK_QUEUE = 'reembed-bench-batch';

const argsSchema = z.object({
  docs: z.coerce.number().int().min(100).max(10_000_000),
  'kill-worker-at': z.coerce.number().gt(0).lt(1).optional(),
  duplicates: z.coerce.number().min(0).lt(1).default(0.05),
  'lines-per-file': z.coerce.number().int().min(1).max(50_000).default(2000),
  json: z.boolean().default(false),
});

export interface BatchApiFigures {
  docs: number;
  batches: number;
  linesSubmitted: number;
  duplicateSubmissions: number;
  inputsSaved: number;
  costUsd: number;
  syncCostUsd: number;
  costRatio: number;
  runs: number;
  historyEvents: number;
  parity: boolean;
  /** Share of the corpus whose text repeats an earlier document's. */
  duplicateShare: number;
  /** Fraction of the lines submitted when the worker was killed; null when it was not. */
  killedAt: number | null;
}

/** Document `i`: the synthetic corpus, except that every 1/share-th document repeats the text of the one before. */
function corpus(docs: number, share: number) {
  const every = share > 0 ? Math.round(1 / share) : 0;
  return Array.from({ length: docs }, (_, i) => {
    const d = syntheticDocument(i);
    return every > 0 && i % every === every - 1 ? { id: d.id, text: syntheticDocument(i - 1).text, metadata: {} } : { ...d, metadata: {} };
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      docs: { type: 'string' },
      'kill-worker-at': { type: 'string' },
      duplicates: { type: 'string' },
      'lines-per-file': { type: 'string' },
      json: { type: 'boolean' },
    },
    strict: true,
  });
  const parsed = argsSchema.safeParse(values);
  if (!parsed.success) {
    throw new Error(
      `usage: npm run bench -- batch-api --docs <n> [--kill-worker-at <fraction>] [--duplicates <share>] [--lines-per-file <n>] [--json]\n${z.prettifyError(parsed.error)}`,
    );
  }
  const args = parsed.data;
  const server = await OpenAICompatibleServer.start(HASHED_VECTORS, {
    apiKey: API_KEY,
    models: ['text-embedding-3-small', 'text-embedding-3-large'],
    recordInputs: false,
    // Long enough that the worker waits on batches in flight (where it is killed), short enough for a bench.
    batches: { completionDelayMs: 3000 },
  });
  const env = {
    ...process.env,
    OPENAI_BASE_URL: server.baseURL,
    OPENAI_API_KEY: API_KEY,
    REEMBED_TASK_QUEUE: TASK_QUEUE,
    REEMBED_BATCH_MAX_REQUESTS_PER_FILE: String(args['lines-per-file']),
  };
  Object.assign(process.env, env);
  const bench = await openBench();
  const workers: ChildProcess[] = [];
  try {
    const docs = corpus(args.docs, args.duplicates);
    const collection = `bench-batch-${args.docs}-${Date.now()}`;
    await ensureCollection(bench, collection, SOURCE, docs);
    const sourceIndex = (await bench.services.registry.get(collection)).activeIndex;
    const estimate = await bench.client.estimate(collection, TARGET);
    const distinct = new Set(docs.map((d) => d.text)).size;

    workers.push(spawnTs('src/worker/main.ts', [], env));
    const since = new Date();
    await bench.client.startMigration({
      collection,
      targetSpecId: TARGET,
      graceMs: 0,
      hotFirstLimit: 0,
      batchApi: true,
      batchPollMs: 1000,
      requestedBy: 'bench',
    });
    let killedAt: number | null = null;
    if (args['kill-worker-at'] !== undefined) {
      const at = args['kill-worker-at'];
      for (;;) {
        const inFlight = server.batchApi.batches.some((b) => b.status === 'in_progress');
        if (inFlight && server.batchApi.linesSubmitted >= at * distinct) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      killedAt = Number((server.batchApi.linesSubmitted / distinct).toFixed(3));
      console.error(`SIGKILL of the worker with ${server.batchApi.linesSubmitted} of ${distinct} lines submitted, batches in flight`);
      workers[0]!.kill('SIGKILL');
      await exited(workers[0]!);
      workers.push(spawnTs('src/worker/main.ts', [], env));
    }
    const waiting = await bench.client.waitForPhase(collection, ['AWAITING_APPROVAL'], { timeoutMs: 3_600_000, pollMs: 2000 });
    await bench.client.approve(collection, { approver: 'bench' });
    await bench.client.waitForPhase(collection, ['RETENTION'], { timeoutMs: 600_000 });
    const alias = (await bench.services.aliases.targets(collection))[0]!;
    const [source, target] = [await indexContents(bench.services.store, sourceIndex, 5000), await indexContents(bench.services.store, alias, 5000)];
    const parity =
      alias === versionedIndexName(collection, bench.services.catalog.get(TARGET)) &&
      source.size === target.size &&
      [...source].every(([id, h]) => target.get(id) === h);
    await bench.client.endRetention(collection, { by: 'bench' });
    await bench.client.result(collection);
    const runs = await historyRuns(bench, collection, since);

    const figures: BatchApiFigures = {
      docs: args.docs,
      batches: server.batchApi.batches.length,
      linesSubmitted: server.batchApi.linesSubmitted,
      duplicateSubmissions: server.batchApi.duplicateSubmissions,
      inputsSaved: waiting.inputsSaved ?? 0,
      costUsd: Number(waiting.spentUsd.toFixed(6)),
      syncCostUsd: Number(estimate.costUsd.toFixed(6)),
      costRatio: Number((waiting.spentUsd / estimate.costUsd).toFixed(4)),
      runs: runs.length,
      historyEvents: runs.reduce((a, b) => a + b, 0),
      parity,
      duplicateShare: args.duplicates,
      killedAt,
    };
    const kill = args['kill-worker-at'] === undefined ? '' : ` --kill-worker-at ${args['kill-worker-at']}`;
    recordResult<BatchApiFigures>(`batch-api-${args.docs}`, `npm run bench -- batch-api --docs ${args.docs}${kill}`, figures);
    if (args.json) console.log(JSON.stringify(figures));
    else {
      console.log(`\nBatch API backfill: ${figures.docs.toLocaleString('en')} documents (${args.duplicates * 100}% repeating a text), ${TARGET}\n`);
      console.log(JSON.stringify(figures, null, 2));
    }
  } finally {
    await stopped(workers);
    await bench.client.close();
    await server.stop();
  }
}

main().catch((error: Error) => {
  console.error(`batch-api bench failed: ${error.message}`);
  process.exit(1);
});
