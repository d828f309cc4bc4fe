import { loadSotuPassages } from '../src/corpus/sotu.js';
import { ensureCollection, openBench, whileAwaitingApproval } from './harness.js';
import { recordResult } from './results.js';

export interface BackfillThroughputFigures {
  readonly documents: number;
  readonly batch: number;
  readonly parallelism: number;
  readonly rows: readonly { readonly target: string; readonly aloneDocsPerSecond: number; readonly backfillDocsPerSecond: number }[];
}

/**
 * Per local model, in one run: documents/s of embedding alone (the demo corpus in batches of
 * 64, as the backfill sends them) against documents/s of a real backfill into it (Temporal
 * activities, Elasticsearch reads and bulk writes included). The model is the ceiling; the
 * target is a backfill at ≥ 0.9 × embedding alone.
 */

const SOURCE = 'minilm-l6-v2';
const TARGETS = ['minilm-l6-v2-cls', 'bge-small-en-v1.5', 'e5-small-v2'];
const BATCH = 64;
// Partitions backfilled at once (the migration's --parallelism).
const PARALLELISM = Number(process.env.REEMBED_BENCH_PARALLELISM ?? 1);

async function main(): Promise<void> {
  const bench = await openBench();
  const docs = loadSotuPassages({ fromYear: 2001, toYear: 2021 });
  const texts = docs.map((d) => d.text);

  const rows: BackfillThroughputFigures['rows'][number][] = [];
  for (const target of TARGETS) {
    const provider = await bench.services.providers.get(bench.services.catalog.get(target));
    await provider.embed(texts.slice(0, 4), 'document');
    const start = performance.now();
    for (let i = 0; i < texts.length; i += BATCH) await provider.embed(texts.slice(i, i + BATCH), 'document');
    const alone = texts.length / ((performance.now() - start) / 1000);

    const collection = `bench-backfill-${target.replace(/\./g, '-')}`;
    await ensureCollection(bench, collection, SOURCE, docs);
    const status = await whileAwaitingApproval(
      bench,
      { collection, targetSpecId: target, batchSize: BATCH, hotFirstLimit: 0, parallelism: PARALLELISM },
      async (waiting) => waiting,
    );
    const backfillS = (Date.parse(status.backfillEndedAt!) - Date.parse(status.backfillStartedAt!)) / 1000;
    const backfill = status.documents.migrated / backfillS;
    rows.push({ target, aloneDocsPerSecond: alone, backfillDocsPerSecond: backfill });
    console.log(`${target}: alone ${alone.toFixed(1)} docs/s, backfill ${backfill.toFixed(1)} docs/s (${(backfill / alone).toFixed(2)}×)`);
  }
  const file = recordResult<BackfillThroughputFigures>('backfill-throughput', 'npm run bench -- backfill-throughput', {
    documents: docs.length,
    batch: BATCH,
    parallelism: PARALLELISM,
    rows,
  });
  console.log(`backfill throughput recorded in ${file}`);
  await bench.client.close();
}

main().catch((error: Error) => {
  console.error(`backfill throughput bench failed: ${error.message}`);
  process.exit(1);
});
