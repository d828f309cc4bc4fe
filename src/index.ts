// The library other services import: `import { createWriter, createSearchRouter, ReembedClient } from 'reembed'`.
export { loadConfig, ConfigError, type Config } from './config/env';
export { createWriter } from './writer/create-writer';
export { CollectionWriter, type WriteDocument, type WriteResult } from './writer/collection-writer';
export { createSearchRouter } from './search/create-search-router';
export { SearchRouter, type RoutedResult, type RouterOptions, type SearchOptions } from './search/search-router';
export { AccessStats } from './search/access-stats';
export type { MergeStrategy, RankedHit } from './search/merge-results';
export type { Route } from './search/route';
export { ReembedClient, ReembedUsageError, type CollectionStatus } from './client/reembed-client';
export type { MigrationRequest, MigrationStatus } from './migration/contract';
