import type { Config } from '../config/env';
import { Services } from '../services';
import type { RouterOptions, SearchRouter } from './search-router';

/** A search router wired from the environment; `close()` releases its connections. */
export function createSearchRouter(config: Config, options: RouterOptions = {}): SearchRouter & { close(): Promise<void> } {
  const services = new Services(config);
  return Object.assign(services.router(options), { close: () => services.close() });
}
