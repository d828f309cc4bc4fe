// `import { createReembedWorker } from 'reembed/worker'`: run reembed's workflows and activities in your own process.
// The Temporal worker runtime is an optional peer dependency: without it, this entry point says what to install.
import { loadOptional } from '../optional-dependency.js';

export type { ReembedWorker } from './create-worker.js';
export const { createReembedWorker, WORKFLOWS_PATH } = await loadOptional(
  'The reembed worker',
  ['@temporalio/worker', '@temporalio/activity', '@temporalio/workflow'],
  () => import('./create-worker.js'),
);
