// `import { createReembedWorker } from 'reembed/worker'`: run reembed's workflows and activities in your own process.
export { createReembedWorker, WORKFLOWS_PATH, type ReembedWorker } from './create-worker.js';
