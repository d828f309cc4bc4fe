// The worker bundles this file: every workflow reembed runs is exported here.
export { ingestCorpusWorkflow } from './ingest-corpus';
export { migrationWorkflow } from './migration/migration-workflow';
