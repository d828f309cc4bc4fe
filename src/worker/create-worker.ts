import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { temporalConnectionOptions } from '../../temporal.config';
import { createIngestActivities } from '../activities/ingest-activities';
import type { Config } from '../config/env';
import { ProviderPool } from '../embedding/provider-pool';
import { SpecCatalog } from '../embedding/spec-catalog';
import { createElasticsearchClient } from '../store/elasticsearch-client';
import { VectorIndexStore } from '../store/vector-index';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface ReembedWorker {
  readonly worker: Worker;
  close(): Promise<void>;
}

/** A worker that runs every reembed workflow and activity on the configured task queue. */
export async function createReembedWorker(config: Config, catalog = SpecCatalog.load()): Promise<ReembedWorker> {
  const connection = await NativeConnection.connect(temporalConnectionOptions(config));
  const es = createElasticsearchClient(config);
  const activities = createIngestActivities({
    catalog,
    providers: new ProviderPool(config.modelsDir),
    store: new VectorIndexStore(es),
  });
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    workflowsPath: WORKFLOWS_PATH,
    activities,
    // Embedding saturates both cores; more concurrent batches only queue on the CPU.
    maxConcurrentActivityTaskExecutions: 2,
  });
  return {
    worker,
    async close() {
      await connection.close();
      await es.close();
    },
  };
}
