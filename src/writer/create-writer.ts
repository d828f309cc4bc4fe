import type { Config } from '../config/env.js';
import { Services } from '../services.js';
import type { CollectionWriter } from './collection-writer.js';

/** A writer wired from the environment; `close()` releases its connections. */
export function createWriter(config: Config, options: { registryCacheMs?: number } = {}): CollectionWriter & { close(): Promise<void> } {
  const services = new Services(config);
  return Object.assign(services.writer(options), { close: () => services.close() });
}
