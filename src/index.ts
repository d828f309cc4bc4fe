// The library other services import: `import { createWriter, createSearchRouter, ReembedClient } from 'reembed'`.
// Workers come from `reembed/worker`, so importing the client never loads the worker runtime.
export { loadConfig, ConfigError, type Config } from './config/env.js';
export { Services } from './services.js';
export { createWriter } from './writer/create-writer.js';
export { CollectionWriter, type WriteDocument, type WriteResult } from './writer/collection-writer.js';
export { createSearchRouter, type CreateRouterOptions } from './search/create-search-router.js';
export { SearchRouter, type RoutedResult, type RouterOptions, type SearchOptions } from './search/search-router.js';
export { AccessStats } from './search/access-stats.js';
export { QuerySample, type QuerySampleOptions } from './search/query-sample.js';
export type { MergeStrategy, RankedHit } from './search/merge-results.js';
export type { Route } from './search/route.js';
export { ReembedClient, type MigrationListEntry, type RoutingState } from './client/reembed-client.js';
export type { CollectionStatus } from './client/collection-status.js';
export {
  ActionNotAnsweredError,
  ActionRefusedError,
  CollectionNotFoundError,
  MissingDependencyError,
  ProviderConfigError,
  ReembedUsageError,
  UnknownSpecError,
} from './errors.js';
export { migrationWorkflowId, type MigrationRequest } from './migration/input.js';
export { SIGNALS, type ActionOutcome } from './migration/messages.js';
export type { MigrationStatus, MigrationResult } from './migration/status.js';
export type { QualityReport, QualityVerdict } from './migration/reports.js';
export type { MigrationPhase } from './migration/phases.js';
