import { loadConfig, type Config } from '../../src/config/env.js';
import { connectTemporal } from '../../src/client/temporal-client.js';
import { assertElasticsearchReachable, createElasticsearchClient } from '../../src/store/elasticsearch-client.js';

/**
 * Integration tests run against the real services. A missing service is a failure
 * with instructions, never a skip.
 */
export async function requireServices(): Promise<Config> {
  const config = loadConfig();
  const es = createElasticsearchClient(config);
  try {
    await assertElasticsearchReachable(es, config.elasticsearch.url);
  } finally {
    await es.close();
  }
  const temporal = await connectTemporal(config);
  await temporal.client.connection.workflowService.getSystemInfo({});
  await temporal.close();
  return config;
}

/** Settings for the basic-auth Elasticsearch node that `services.sh up elasticsearch-secure` starts. */
export const SECURE_ES = {
  url: `http://127.0.0.1:${process.env.REEMBED_ES_SECURE_PORT ?? '9201'}`,
  username: 'reembed',
  password: 'reembed-local-password',
  /** Holds only the role reembed_app (docs/security.md) on mig-* and reembed-*. */
  app: { username: 'reembed-app', password: 'reembed-app-local-password' },
} as const;

/** Index and collection names unique to one test run, so reruns never collide. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}

/** Polls `check` every `intervalMs` until it holds; fails naming `what` after `timeoutMs`. */
export async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 15_000, intervalMs = 250): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
