import type { Config } from '../config/env.js';
import { Services } from '../services.js';
import { QuerySample, type QuerySampleOptions } from './query-sample.js';
import type { RouterOptions, SearchRouter } from './search-router.js';

export interface CreateRouterOptions extends RouterOptions {
  /** Record a bounded sample of query texts (e.g. `{ rate: 0.05 }`); `close()` flushes it. */
  readonly sampleQueries?: QuerySampleOptions;
}

/** A search router wired from the environment; `close()` releases its connections. */
export function createSearchRouter(config: Config, options: CreateRouterOptions = {}): SearchRouter & { close(): Promise<void> } {
  const services = new Services(config);
  const { sampleQueries, ...routerOptions } = options;
  const querySample = sampleQueries ? new QuerySample(services.es, sampleQueries) : undefined;
  const router = services.router(querySample ? { ...routerOptions, querySample } : routerOptions);
  return Object.assign(router, {
    close: async () => {
      await querySample?.close();
      await services.close();
    },
  });
}
