// The worker bundles this file: every workflow reembed runs is exported here.
export { migrationWorkflow } from './migration-workflow.js';
export { canaryWorkflow } from '../canary/canary-workflow.js';
