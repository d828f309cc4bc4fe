import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createMigrationActivities } from '../activities/index.js';
import type { Config } from '../config/env.js';
import { temporalConnectionOptions } from '../config/temporal.js';
import type { SpecCatalog } from '../embedding/spec-catalog.js';
import { Services } from '../services.js';

// The compiled worker runs dist/workflows/index.js; under tsx the TypeScript source.
const here = import.meta.url;
const compiled = !here.endsWith('.ts');
export const WORKFLOWS_PATH = fileURLToPath(new URL(`../workflows/index.${compiled ? 'js' : 'ts'}`, here));
/**
 * `npm run build` bundles the compiled workflows once (Temporal's advice for production
 * workers): webpack would otherwise spend seconds of CPU at every worker start. The source
 * under tsx has no such file and is bundled at start.
 */
export const PREBUILT_WORKFLOW_BUNDLE = compiled ? fileURLToPath(new URL('../workflow-bundle.js', here)) : undefined;

/** The prebuilt bundle, unless it is missing or older than the compiled workflows (a `tsc` run without the bundling step). */
function prebuiltBundle(): { codePath: string } | undefined {
  if (!PREBUILT_WORKFLOW_BUNDLE || !existsSync(PREBUILT_WORKFLOW_BUNDLE)) return undefined;
  return statSync(PREBUILT_WORKFLOW_BUNDLE).mtimeMs >= statSync(WORKFLOWS_PATH).mtimeMs ? { codePath: PREBUILT_WORKFLOW_BUNDLE } : undefined;
}

export interface ReembedWorker {
  readonly worker: Worker;
  close(): Promise<void>;
}

/** A worker that runs every reembed workflow and activity on the configured task queue. */
export async function createReembedWorker(
  config: Config,
  catalog?: SpecCatalog,
  /** workflowBundle: a bundle of reembed's workflows (bundleWorkflowCode); by default the one `npm run build` wrote, if any. */
  options: { maxConcurrentActivities?: number; workflowBundle?: { codePath: string } } = {},
): Promise<ReembedWorker> {
  const connection = await NativeConnection.connect(temporalConnectionOptions(config));
  const services = new Services(config, catalog ? { catalog } : {});
  const workflowBundle = options.workflowBundle ?? prebuiltBundle();
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    ...(workflowBundle ? { workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
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
