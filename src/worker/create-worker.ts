import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createMigrationActivities } from '../activities/index.js';
import type { Config } from '../config/env.js';
import { temporalConnectionOptions } from '../config/temporal.js';
import type { SpecCatalog } from '../embedding/spec-catalog.js';
import { Services } from '../services.js';

// The compiled worker bundles dist/workflows/index.js; under tsx the TypeScript source.
const here = import.meta.url;
export const WORKFLOWS_PATH = fileURLToPath(new URL(`../workflows/index${here.endsWith('.ts') ? '.ts' : '.js'}`, here));

export interface ReembedWorker {
  readonly worker: Worker;
  close(): Promise<void>;
}

/** A worker that runs every reembed workflow and activity on the configured task queue. */
export async function createReembedWorker(
  config: Config,
  catalog?: SpecCatalog,
  /** workflowBundle: a prebuilt bundle of reembed's workflows (bundleWorkflowCode), instead of bundling at start. */
  options: { maxConcurrentActivities?: number; workflowBundle?: { codePath: string } } = {},
): Promise<ReembedWorker> {
  const connection = await NativeConnection.connect(temporalConnectionOptions(config));
  const services = new Services(config, catalog ? { catalog } : {});
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: createMigrationActivities(services.migrationDeps()),
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
      await services.close();
    },
  };
}
