import { setTimeout as sleep } from 'node:timers/promises';
import {
  ApplicationFailure,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { ActionNotAnsweredError, ActionRefusedError, ReembedUsageError } from '../errors.js';
import { MIGRATION_WORKFLOW_TYPE, migrationWorkflowId } from '../migration/input.js';
import { ACTION_REFUSED, SIGNALS, STATUS_QUERY, type ActionOutcome, type SignalName } from '../migration/messages.js';
import { collectionKey, phaseKey, targetModelKey } from '../migration/search-attributes.js';
import type { MigrationResult, MigrationStatus } from '../migration/status.js';
import type { MigrationView } from './collection-status.js';
import { parseOrExplain } from './parse-or-explain.js';

/**
 * How long an operator action waits for a worker to answer its Update. A running worker
 * answers in milliseconds; past this the caller learns that none is running.
 */
const ACTION_TIMEOUT_MS = 30_000;

export interface MigrationListEntry {
  readonly workflowId: string;
  readonly runId: string;
  readonly collection: string;
  readonly phase: string;
  readonly targetSpecId: string;
  readonly status: string;
  readonly startTime: string;
}

export interface WaitOptions {
  readonly timeoutMs: number;
  readonly onStatus?: (s: MigrationStatus) => void;
  /** Between status queries; default 500 ms. */
  readonly pollMs?: number;
}

/** The migration workflows as Temporal holds them: their list, their status, their answers to operator actions. */
export class MigrationWorkflows {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
  ) {}

  /** Migrations known to Temporal's visibility store, newest first. */
  async list(collection?: string): Promise<MigrationListEntry[]> {
    const query = `WorkflowType = '${MIGRATION_WORKFLOW_TYPE}'${collection ? ` AND ${collectionKey.name} = '${collection.replace(/'/g, '')}'` : ''}`;
    const entries: MigrationListEntry[] = [];
    for await (const wf of this.client.workflow.list({ query })) {
      entries.push({
        workflowId: wf.workflowId,
        runId: wf.runId,
        collection: wf.typedSearchAttributes.get(collectionKey) ?? '',
        phase: wf.typedSearchAttributes.get(phaseKey) ?? '',
        targetSpecId: wf.typedSearchAttributes.get(targetModelKey) ?? '',
        status: wf.status.name,
        startTime: wf.startTime.toISOString(),
      });
    }
    return entries;
  }

  /** Resolves once the migration reaches one of `phases` ('PAUSED' matches a paused one); rejects if it ends elsewhere. */
  async waitForPhase(collection: string, phases: readonly string[], options: WaitOptions): Promise<MigrationStatus> {
    const deadline = Date.now() + options.timeoutMs;
    for (;;) {
      const view = await this.view(migrationWorkflowId(collection));
      if (view?.status) {
        options.onStatus?.(view.status);
        if (phases.includes(view.status.phase) || (view.status.paused && phases.includes('PAUSED'))) return view.status;
        if (view.workflowStatus !== 'RUNNING') {
          throw new Error(
            `Migration of "${collection}" ended in ${view.status.phase}${view.status.error ? `: ${view.status.error}` : ''}, not in ${phases.join('/')}.`,
          );
        }
      }
      if (Date.now() > deadline) throw new Error(`Migration of "${collection}" did not reach ${phases.join('/')} within ${options.timeoutMs} ms.`);
      await sleep(options.pollMs ?? 500);
    }
  }

  async result(collection: string): Promise<MigrationResult> {
    return (await this.handle(migrationWorkflowId(collection)).result()) as MigrationResult;
  }

  handle(workflowId: string): WorkflowHandle {
    return this.client.workflow.getHandle(workflowId);
  }

  /**
   * The workflow's own status when a worker can answer the query; otherwise (no worker
   * running, or a failed run) the phase its search attribute last recorded.
   */
  async view(workflowId: string): Promise<MigrationView | null> {
    const handle = this.handle(workflowId);
    let description: Awaited<ReturnType<typeof handle.describe>>;
    try {
      description = await handle.describe();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return null;
      throw error;
    }
    const workflowStatus = description.status.name;
    const recordedPhase = description.typedSearchAttributes.get(phaseKey) ?? null;
    if (workflowStatus === 'COMPLETED') return { status: ((await handle.result()) as MigrationResult).status, workflowStatus, recordedPhase };
    try {
      return { status: await handle.query<MigrationStatus>(STATUS_QUERY), workflowStatus, recordedPhase };
    } catch {
      return { status: null, workflowStatus, recordedPhase };
    }
  }

  /**
   * Sends an operator action as an Update and waits for the workflow's answer. The payload
   * is validated here first, as the workflow will, so a malformed one never leaves.
   */
  async act(collection: string, name: SignalName, payload: unknown, what: string): Promise<ActionOutcome> {
    const valid = parseOrExplain(SIGNALS[name].schema, payload, what);
    const handle = this.handle(migrationWorkflowId(collection));
    try {
      return await this.client.connection.withDeadline(Date.now() + ACTION_TIMEOUT_MS, () =>
        handle.executeUpdate<ActionOutcome, [unknown]>(name, { args: [valid] }),
      );
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure && error.cause.type === ACTION_REFUSED) {
        throw new ActionRefusedError(name, collection, error.cause.message);
      }
      if (error instanceof WorkflowNotFoundError) {
        throw new ReembedUsageError(`Collection "${collection}" has no running migration. Start one with \`reembed migrate ${collection} --to <specId>\`.`);
      }
      if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
        throw new ActionNotAnsweredError(
          `No worker answered ${name} for "${collection}" within ${ACTION_TIMEOUT_MS / 1000} s, so it has not taken effect. ` +
            `Start a worker (npm run worker) on task queue ${this.taskQueue}; the action may still apply once one runs — check with \`reembed status ${collection}\`.`,
          { cause: error },
        );
      }
      throw error;
    }
  }
}
