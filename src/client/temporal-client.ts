import { Client, Connection } from '@temporalio/client';
import { temporalConnectionOptions } from '../config/temporal.js';
import type { Config } from '../config/env.js';

export interface TemporalClientHandle {
  readonly client: Client;
  close(): Promise<void>;
}

export async function connectTemporal(config: Config): Promise<TemporalClientHandle> {
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...temporalConnectionOptions(config), connectTimeout: '5s' });
  } catch (cause) {
    throw new Error(
      `Temporal at ${config.temporal.address} is not reachable (${(cause as Error).message}). ` +
        'Start the local dev server with `npm run services:up`, or point TEMPORAL_ADDRESS at your cluster.',
      { cause },
    );
  }
  return {
    client: new Client({ connection, namespace: config.temporal.namespace }),
    close: () => connection.close(),
  };
}
