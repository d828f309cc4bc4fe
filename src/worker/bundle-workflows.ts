// `npm run build` runs this compiled, after tsc: it writes the workflow bundle that compiled
// workers start from (create-worker.ts), so that no worker runs webpack at its start.
import { writeFileSync } from 'node:fs';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { PREBUILT_WORKFLOW_BUNDLE, WORKFLOWS_PATH } from './create-worker.js';

if (!PREBUILT_WORKFLOW_BUNDLE) {
  throw new Error('bundle-workflows bundles the compiled workflows: run `npm run build` (it runs dist/worker/bundle-workflows.js)');
}
const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') });
writeFileSync(PREBUILT_WORKFLOW_BUNDLE, code);
console.log(JSON.stringify({ level: 'info', msg: 'workflow bundle written', path: PREBUILT_WORKFLOW_BUNDLE, bytes: code.length }));
