import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { connectTemporal } from '../src/client/temporal-client.js';
import { migrationWorkflowId } from '../src/migration/input.js';
import { ReembedClient } from '../src/client/reembed-client.js';
import { loadConfig, type Config } from '../src/config/env.js';
import type { SourceDocument } from '../src/corpus/source-document.js';
import type { MigrationRequest } from '../src/migration/input.js';
import type { MigrationStatus } from '../src/migration/status.js';
import { Services, type ServicesOptions } from '../src/services.js';
import { createReembedWorker } from '../src/worker/create-worker.js';

export interface Bench {
  readonly config: Config;
  readonly services: Services;
  readonly client: ReembedClient;
}

let runtimeInstalled = false;

/** Connects to the local services the bench script started (`env` overrides the environment); the client's search attributes registered. */
export async function openBench(options?: ServicesOptions, env: Record<string, string> = {}): Promise<Bench> {
  if (!runtimeInstalled) Runtime.install({ logger: new DefaultLogger('WARN') });
  runtimeInstalled = true;
  const config = loadConfig({ ...process.env, ...env });
  const services = new Services(config, options);
  const client = await ReembedClient.connect(config, services);
  await client.init();
  return { config, services, client };
}

/** Creates the collection on `specId` and ingests the documents, unless it already holds them all. */
export async function ensureCollection(bench: Bench, collection: string, specId: string, docs: readonly SourceDocument[]): Promise<void> {
  const existing = await bench.services.registry.find(collection);
  if (existing && existing.activeSpecId === specId && (await bench.services.store.count(existing.activeIndex)) >= docs.length) return;
  const writer = bench.services.writer();
  await writer.createCollection(collection, specId, { storeContent: true });
  console.error(`ingesting ${docs.length} documents into ${collection} (once)…`);
  for (let i = 0; i < docs.length; i += 64) await writer.upsert(collection, docs.slice(i, i + 64));
}

/**
 * Runs one migration on a worker of its own (a Temporal worker runs once) up to
 * AWAITING_APPROVAL, measures while it waits there, then rejects it.
 */
export async function whileAwaitingApproval<T>(bench: Bench, request: MigrationRequest, measure: (waiting: MigrationStatus) => Promise<T>): Promise<T> {
  const { client, config, services } = bench;
  const worker = await createReembedWorker(config, services.catalog);
  try {
    return await worker.worker.runUntil(async () => {
      await client.startMigration({ requestedBy: 'bench', ...request });
      const waiting = await client.waitForPhase(request.collection, ['AWAITING_APPROVAL'], { timeoutMs: 3_600_000 });
      const result = await measure(waiting);
      await client.reject(request.collection, { by: 'bench', reason: 'benchmark finished' });
      await client.result(request.collection);
      return result;
    });
  } finally {
    await worker.close();
  }
}

/** A TypeScript entry point (a worker, the CLI) as a process of its own, its output on stderr. */
export function spawnTs(script: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', script, ...args], { env, stdio: ['ignore', process.stderr, process.stderr] });
}

/** Asks each process to stop (SIGTERM: a worker drains its activities) and waits until all have exited. */
export async function stopped(children: readonly ChildProcess[]): Promise<void> {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(children.map(exited));
}

export async function exited(child: ChildProcess): Promise<number> {
  // A process killed by a signal has no exit code, and its exit event has passed.
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode ?? 1;
  const [code] = (await once(child, 'exit')) as [number | null];
  return code ?? 1;
}

/** Every run of the migration's workflow since `since` (continue-as-new starts new ones), with its history length. */
export async function historyRuns(bench: Bench, collection: string, since: Date): Promise<number[]> {
  const temporal = await connectTemporal(bench.config);
  try {
    const runs: number[] = [];
    const query = `WorkflowId = '${migrationWorkflowId(collection)}' AND StartTime >= '${since.toISOString()}'`;
    for await (const run of temporal.client.workflow.list({ query })) {
      runs.push((await temporal.client.workflow.getHandle(run.workflowId, run.runId).fetchHistory()).events?.length ?? 0);
    }
    return runs;
  } finally {
    await temporal.close();
  }
}
