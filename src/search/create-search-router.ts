import type { Config } from '../config/env.js';
import { Services } from '../services.js';
import type { RouterOptions, SearchRouter } from './search-router.js';

/** A search router wired from the environment; `close()` releases its connections. */
export function createSearchRouter(config: Config, options: RouterOptions = {}): SearchRouter & { close(): Promise<void> } {
  const services = new Services(config);
  return Object.assign(services.router(options), { close: () => services.close() });
}
