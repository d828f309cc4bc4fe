import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { temporalConnectionOptions } from '../../temporal.config';
import { createMigrationActivities } from '../activities/migration-activities';
import type { Config } from '../config/env';
import { ProviderPool } from '../embedding/provider-pool';
import { SpecCatalog } from '../embedding/spec-catalog';
import { CollectionRegistry } from '../registry/collection-registry';
import { AliasStore } from '../store/aliases';
import { createElasticsearchClient } from '../store/elasticsearch-client';
import { QuarantineStore } from '../store/quarantine';
import { VectorIndexStore } from '../store/vector-index';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface ReembedWorker {
  readonly worker: Worker;
  close(): Promise<void>;
}

/** A worker that runs every reembed workflow and activity on the configured task queue. */
export async function createReembedWorker(
  config: Config,
  catalog = SpecCatalog.load(),
  options: { maxConcurrentActivities?: number } = {},
): Promise<ReembedWorker> {
  const connection = await NativeConnection.connect(temporalConnectionOptions(config));
  const es = createElasticsearchClient(config);
  const deps = {
    es,
    catalog,
    providers: new ProviderPool(config),
    store: new VectorIndexStore(es),
    aliases: new AliasStore(es),
    registry: new CollectionRegistry(es),
    quarantine: new QuarantineStore(es),
    config,
  };
  const activities = createMigrationActivities(deps);
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    workflowsPath: WORKFLOWS_PATH,
    activities,
    // Embedding saturates both cores; more concurrent batches only queue on the CPU.
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivities ?? 2,
    // The server hands out at most this many activity starts per second across all workers:
    // a global cap on API traffic however many workers run.
    ...(config.taskQueueActivitiesPerSecond ? { maxTaskQueueActivitiesPerSecond: config.taskQueueActivitiesPerSecond } : {}),
  });
  return {
    worker,
    async close() {
      await connection.close();
      await es.close();
    },
  };
}
