import { DefaultLogger, Runtime } from '@temporalio/worker';
import { ReembedClient } from '../src/client/reembed-client.js';
import { loadConfig } from '../src/config/env.js';
import { loadSotuPassages } from '../src/corpus/sotu.js';
import { Services } from '../src/services.js';
import { createReembedWorker } from '../src/worker/create-worker.js';

/**
 * Per local model, in one run: documents/s of embedding alone (the demo corpus in batches of
 * 64, as the backfill sends them) against documents/s of a real backfill into it (Temporal
 * activities, Elasticsearch reads and bulk writes included). The model is the ceiling; the
 * target is a backfill at ≥ 0.9 × embedding alone.
 */

const SOURCE = 'minilm-l6-v2';
const TARGETS = ['minilm-l6-v2-cls', 'bge-small-en-v1.5', 'e5-small-v2'];
const BATCH = 64;

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const config = loadConfig();
  const services = new Services(config);
  const client = await ReembedClient.connect(config, services);
  await client.init();
  const docs = loadSotuPassages({ fromYear: 2001, toYear: 2021 });
  const texts = docs.map((d) => d.text);

  console.log(`\nBackfill vs embedding alone, ${docs.length} State of the Union passages, batches of ${BATCH}\n`);
  console.log('| target spec | embedding alone docs/s | backfill docs/s | ratio |');
  console.log('| --- | --- | --- | --- |');
  for (const target of TARGETS) {
    const provider = await services.providers.get(services.catalog.get(target));
    await provider.embed(texts.slice(0, 4), 'document');
    const start = performance.now();
    for (let i = 0; i < texts.length; i += BATCH) await provider.embed(texts.slice(i, i + BATCH), 'document');
    const alone = texts.length / ((performance.now() - start) / 1000);

    const collection = `bench-backfill-${target.replace(/\./g, '-')}`;
    const writer = services.writer();
    if (!(await services.registry.find(collection))) {
      await writer.createCollection(collection, SOURCE, { storeContent: true });
      for (let i = 0; i < docs.length; i += BATCH) {
        await writer.upsert(
          collection,
          docs.slice(i, i + BATCH).map((d) => ({ id: d.id, text: d.text, metadata: d.metadata })),
        );
      }
    }
    // A Temporal worker runs once: one per migration.
    const worker = await createReembedWorker(config, services.catalog);
    const status = await worker.worker.runUntil(async () => {
      await client.startMigration({ collection, targetSpecId: target, batchSize: BATCH, hotFirstLimit: 0, requestedBy: 'bench' });
      const waiting = await client.waitForPhase(collection, ['AWAITING_APPROVAL'], { timeoutMs: 3_600_000 });
      await client.reject(collection, { by: 'bench', reason: 'benchmark finished' });
      await client.result(collection);
      return waiting;
    });
    await worker.close();
    const backfillS = (Date.parse(status.backfillEndedAt!) - Date.parse(status.backfillStartedAt!)) / 1000;
    const backfill = status.documents.migrated / backfillS;
    console.log(`| ${target} | ${alone.toFixed(1)} | ${backfill.toFixed(1)} | ${(backfill / alone).toFixed(2)}× |`);
  }
  await client.close();
}

main().catch((error: Error) => {
  console.error(`backfill throughput bench failed: ${error.message}`);
  process.exit(1);
});
