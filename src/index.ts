// The library other services import: `import { createWriter, createSearchRouter, ReembedClient } from 'reembed'`.
export { loadConfig, ConfigError, type Config } from './config/env.js';
export { createWriter } from './writer/create-writer.js';
export { CollectionWriter, type WriteDocument, type WriteResult } from './writer/collection-writer.js';
export { createSearchRouter } from './search/create-search-router.js';
export { SearchRouter, type RoutedResult, type RouterOptions, type SearchOptions } from './search/search-router.js';
export { AccessStats } from './search/access-stats.js';
export type { MergeStrategy, RankedHit } from './search/merge-results.js';
export type { Route } from './search/route.js';
export { ReembedClient, ReembedUsageError, type CollectionStatus } from './client/reembed-client.js';
export type { MigrationRequest, MigrationStatus } from './migration/contract.js';
