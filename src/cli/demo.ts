import { parseArgs } from 'node:util';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { z } from 'zod';
import { workflowUiUrl } from '../../temporal.config';
import { connectTemporal } from '../client/temporal-client';
import { loadConfig } from '../config/env';
import { ProviderPool } from '../embedding/provider-pool';
import { SpecCatalog } from '../embedding/spec-catalog';
import { assertElasticsearchReachable, createElasticsearchClient } from '../store/elasticsearch-client';
import { VectorIndexStore } from '../store/vector-index';
import { createReembedWorker } from '../worker/create-worker';
import { ingestCorpusWorkflow, ingestProgressQuery } from '../workflows/ingest-corpus';
import { ProgressBar } from './progress-bar';

/**
 * The main job: embed the bundled State of the Union corpus with a local model into a
 * versioned Elasticsearch index through a real Temporal workflow, then search it.
 */

const argsSchema = z.object({
  collection: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'lowercase letters, digits, - and _'),
  model: z.string(),
  from: z.coerce.number().int(),
  to: z.coerce.number().int(),
  batch: z.coerce.number().int().min(1).max(512),
});

const QUERIES = [
  'rebuilding the economy after the financial crisis',
  'war on terror and national security',
  'health insurance and the cost of medical care',
  'climate change and clean energy',
];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      collection: { type: 'string', default: 'sotu' },
      model: { type: 'string', default: 'minilm-l6-v2' },
      from: { type: 'string', default: '2001' },
      to: { type: 'string', default: '2021' },
      batch: { type: 'string', default: '64' },
    },
  });
  const parsedArgs = argsSchema.safeParse(values);
  if (!parsedArgs.success) throw new Error(`Invalid demo arguments:\n${z.prettifyError(parsedArgs.error)}`);
  const args = parsedArgs.data;

  Runtime.install({ logger: new DefaultLogger('WARN') });
  const config = loadConfig();
  const catalog = SpecCatalog.load();
  const spec = catalog.get(args.model);
  const es = createElasticsearchClient(config);
  await assertElasticsearchReachable(es, config.elasticsearch.url);
  const temporal = await connectTemporal(config);
  const reembedWorker = await createReembedWorker(config, catalog);

  const workflowId = `reembed-demo:${args.collection}`;
  const result = await reembedWorker.worker.runUntil(async () => {
    const handle = await temporal.client.workflow.start(ingestCorpusWorkflow, {
      workflowId,
      taskQueue: config.temporal.taskQueue,
      args: [{ collection: args.collection, specId: spec.id, corpus: { fromYear: args.from, toYear: args.to }, batchSize: args.batch }],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    console.log(`Workflow ${workflowId} started; watch it in the Temporal Web UI: ${workflowUiUrl(config, workflowId)}`);
    const bar = new ProgressBar(`embedding with ${spec.id}`);
    const timer = setInterval(() => {
      handle.query(ingestProgressQuery).then((p) => bar.update(p.embedded + p.unchanged, p.total, p.phase), () => undefined);
    }, 500);
    try {
      const done = await handle.result();
      bar.update(done.documents, done.documents, 'COMPLETED');
      return done;
    } finally {
      clearInterval(timer);
      bar.finish();
    }
  });
  console.log(
    `Index ${result.index}: ${result.documents} documents (${result.embedded} embedded now, ${result.unchanged} already up to date, ${result.tokens} tokens).`,
  );

  const store = new VectorIndexStore(es);
  const provider = await new ProviderPool(config.modelsDir).get(spec);
  for (const query of QUERIES) {
    const { vectors } = await provider.embed([query], 'query');
    const hits = await store.knnSearch(result.index, vectors[0]!, 3);
    console.log(`\n? ${query}`);
    for (const hit of hits) {
      const meta = hit.metadata as { year?: number; president?: string } | undefined;
      console.log(`  ${hit.score.toFixed(3)}  ${meta?.year} ${meta?.president}: ${(hit.content ?? '').slice(0, 110)}…`);
    }
  }
  await reembedWorker.close();
  await temporal.close();
  await es.close();
}

main().catch((error: Error) => {
  console.error(`reembed demo failed: ${error.message}`);
  process.exit(1);
});
