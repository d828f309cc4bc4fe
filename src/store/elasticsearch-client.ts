import { Client } from '@elastic/elasticsearch';
import type { Config } from '../config/env.js';

export function createElasticsearchClient(config: Config): Client {
  const { nodes, auth } = config.elasticsearch;
  return new Client({
    // Several nodes: requests round-robin over them, a node that fails a request is marked
    // dead and retried later, and the request goes to the next node (maxRetries).
    nodes: [...nodes],
    ...(auth.kind === 'basic' ? { auth: { username: auth.username, password: auth.password } } : {}),
    ...(auth.kind === 'apiKey' ? { auth: { apiKey: auth.apiKey } } : {}),
    // Bulk writes of a few hundred 1024-d vectors take seconds on a busy node.
    requestTimeout: 60_000,
    maxRetries: 3,
    // A dead node comes back on its own: the client pings it again after a growing timeout.
    resurrectStrategy: 'ping',
  });
}

/** Fails with an actionable message when the node is unreachable or unauthorised. */
export async function assertElasticsearchReachable(client: Client, url: string): Promise<void> {
  try {
    await client.cluster.health({ wait_for_status: 'yellow', timeout: '10s' });
  } catch (cause) {
    const status = (cause as { meta?: { statusCode?: number } }).meta?.statusCode;
    const hint =
      status === 401 || status === 403
        ? 'The node rejected our credentials: check ES_USERNAME/ES_PASSWORD or ES_API_KEY.'
        : 'Start the local node with `npm run services:up`, or point ES_URL at your cluster.';
    throw new Error(`Elasticsearch at ${url} is not reachable (${(cause as Error).message}). ${hint}`, { cause });
  }
}
