import type { ConnectionOptions } from '@temporalio/client';
import type { NativeConnectionOptions } from '@temporalio/worker';
import type { Config } from './env.js';

/**
 * How reembed reaches Temporal. Clients and workers both derive their connection from
 * the parsed environment (src/config/env.ts), so they can never disagree.
 */
export function temporalConnectionOptions(config: Config): ConnectionOptions & NativeConnectionOptions {
  const { address, tls, apiKey } = config.temporal;
  return { address, tls, ...(apiKey ? { apiKey } : {}) };
}

/** Link to one workflow in the Temporal Web UI. */
export function workflowUiUrl(config: Config, workflowId: string): string {
  const { uiUrl, namespace } = config.temporal;
  return `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
