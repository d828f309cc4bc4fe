import {
  ApplicationFailure,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type WorkflowHandle,
} from '@temporalio/client';
import { z } from 'zod';
import { fitMigrationAdapter } from '../adapter/fit-migration-adapter.js';
import { BEFORE_CUTOVER } from '../migration/phases.js';
import type { AdapterSummary } from '../store/adapters.js';
import type { RetiredSpec } from '../store/retired-specs.js';
import type { Config } from '../config/env.js';
import { workflowUiUrl } from '../config/temporal.js';
import { estimateMigration, type MigrationEstimate } from '../estimate/migration-estimate.js';
import {
  ACTION_REFUSED,
  SIGNALS,
  STATUS_QUERY,
  type ActionOutcome,
  type ApproveCutover,
  type OperatorAction,
  type RejectCutover,
  type ResumeAction,
  type SignalName,
} from '../migration/messages.js';
import { MIGRATION_WORKFLOW_TYPE, migrationInputSchema, migrationWorkflowId, type MigrationRequest } from '../migration/input.js';
import type { MigrationResult, MigrationStatus } from '../migration/status.js';
import type { MigrationPhase } from '../migration/phases.js';
import { collectionKey, phaseKey, targetModelKey } from '../migration/search-attributes.js';
import type { CollectionRecord, WriteTarget } from '../registry/collection-record.js';
import { chooseRoute, type Route } from '../search/route.js';
import { AccessStats } from '../search/access-stats.js';
import { Services } from '../services.js';
import { ActionNotAnsweredError, ActionRefusedError, ReembedUsageError } from '../errors.js';
import { migrationStaticDetails, migrationSummary } from '../migration/current-details.js';
import { collectionStatus, type CollectionStatus, type MigrationView } from './collection-status.js';
import { CanaryClient } from './canary-client.js';
import { parseOrExplain } from './parse-or-explain.js';
import { assertSearchAttributesRegistered, registerSearchAttributes } from './search-attributes.js';
import { connectTemporal, type TemporalClientHandle } from './temporal-client.js';

export type { CollectionStatus } from './collection-status.js';
export { ActionNotAnsweredError, ActionRefusedError, ReembedUsageError } from '../errors.js';
export type { ActionOutcome } from '../migration/messages.js';

/**
 * How long an operator action waits for a worker to answer its Update. A running worker
 * answers in milliseconds; past this the caller learns that none is running.
 */
const ACTION_TIMEOUT_MS = 30_000;

export type RetiredSpecReport = RetiredSpec & {
  /** Each running migration from the spec, with the adapter fitted for it or why none could be. */
  readonly migrations: ReadonlyArray<{ readonly collection: string; readonly adapter?: AdapterSummary; readonly error?: string }>;
  /** Collections whose active spec it is, with no migration away from it: their queries can no longer be embedded. */
  readonly stranded: readonly string[];
};

/** The most-searched documents whose presence in the new index the status reports. */
const HOT_SET_SIZE = 100;

/** How searches and writes of a collection are routed right now, from the registry alone. */
export interface RoutingState {
  readonly collection: string;
  readonly phase: MigrationPhase | 'NONE';
  readonly coverage: number;
  readonly activeIndex: string;
  readonly activeSpecId: string;
  readonly writeTargets: readonly WriteTarget[];
  readonly route: Route;
}

export interface MigrationListEntry {
  readonly workflowId: string;
  readonly runId: string;
  readonly collection: string;
  readonly phase: string;
  readonly targetSpecId: string;
  readonly status: string;
  readonly startTime: string;
}

/** The typed API other services use to run and watch migrations. */
export class ReembedClient {
  private constructor(
    private readonly services: Services,
    private readonly temporal: TemporalClientHandle,
  ) {}

  /** Connects to Temporal; Elasticsearch is reached on first use. Pass `services` to share one composition root. */
  static async connect(config: Config, services = new Services(config)): Promise<ReembedClient> {
    return new ReembedClient(services, await connectTemporal(config));
  }

  private get config(): Config {
    return this.services.config;
  }

  /** Drift canaries: schedule, run and read canary checks of a collection. */
  get canaries(): CanaryClient {
    this.canaryClient ??= new CanaryClient(this.services, this.temporal.client);
    return this.canaryClient;
  }
  private canaryClient?: CanaryClient;

  async close(): Promise<void> {
    await this.temporal.close();
    await this.services.close();
  }

  /** Registers the search attributes reembed needs in the namespace; returns those it added. */
  async init(): Promise<string[]> {
    return registerSearchAttributes(this.temporal.client.connection, this.config.temporal.namespace);
  }

  /**
   * What migrating `collection` to `targetSpecId` would take — tokens (the target model's
   * tokenizer over every stored text), cost, duration, disk — without starting anything.
   * The Prepare phase computes the same estimate and refuses to start when the disk is short.
   */
  async estimate(collection: string, targetSpecId: string, onProgress?: (scanned: number) => void): Promise<MigrationEstimate> {
    const { catalog, registry, es, store, config } = this.services;
    const record = await registry.get(collection);
    const spec = catalog.get(targetSpecId);
    const provider = await this.services.providers.get(spec);
    return estimateMigration(
      { es, store, config },
      { sourceIndex: record.activeIndex, sourceSpec: catalog.get(record.activeSpecId), spec, provider, ...(onProgress ? { onPage: onProgress } : {}) },
    );
  }

  /** Starts a migration; refuses a second one for the same collection. */
  async startMigration(request: MigrationRequest): Promise<{ workflowId: string; runId: string; webUiUrl: string }> {
    const approvers = request.approvers ?? this.config.approvers;
    const input = parseOrExplain(migrationInputSchema, { ...request, approvers: approvers ? [...approvers] : null }, 'migration request');
    this.services.catalog.get(input.targetSpecId);
    const record = await this.services.registry.get(input.collection);
    if (record.activeSpecId === input.targetSpecId) {
      throw new ReembedUsageError(`Collection "${input.collection}" already uses ${input.targetSpecId}; there is nothing to migrate.`);
    }
    await assertSearchAttributesRegistered(this.temporal.client.connection, this.config.temporal.namespace, 'migration workflows cannot record their phase');
    const workflowId = migrationWorkflowId(input.collection);
    try {
      const handle = await this.temporal.client.workflow.start(MIGRATION_WORKFLOW_TYPE, {
        workflowId,
        taskQueue: this.config.temporal.taskQueue,
        args: [input],
        // The Web UI's workflow list and page lead with what this migration is.
        staticSummary: migrationSummary(input, record.activeSpecId),
        staticDetails: migrationStaticDetails(input),
        typedSearchAttributes: [
          { key: collectionKey, value: input.collection },
          { key: targetModelKey, value: input.targetSpecId },
          { key: phaseKey, value: 'PREPARING' },
        ],
      });
      return { workflowId, runId: handle.firstExecutionRunId, webUiUrl: workflowUiUrl(this.config, workflowId) };
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) {
        const phase = record.migration?.phase ?? 'unknown';
        throw new ReembedUsageError(
          `Collection "${input.collection}" already has a migration running (workflow ${workflowId}, phase ${phase}). ` +
            `Watch it with \`reembed status ${input.collection}\`; approve, reject or roll it back before starting another.`,
        );
      }
      throw error;
    }
  }

  /*
   * Operator actions are Temporal Updates: each returns what happens next once the workflow
   * accepted it, or throws ActionRefusedError with the reason it was refused (nothing changed).
   */
  async approve(collection: string, payload: ApproveCutover): Promise<ActionOutcome> {
    return this.act(collection, 'approveCutover', payload, 'approval');
  }
  async reject(collection: string, payload: RejectCutover): Promise<ActionOutcome> {
    return this.act(collection, 'rejectCutover', payload, 'rejection');
  }
  async pause(collection: string, payload: OperatorAction = {}): Promise<ActionOutcome> {
    return this.act(collection, 'pause', payload, 'pause');
  }
  /** `addBudgetUsd` raises the budget of a migration paused at it. */
  async resume(collection: string, payload: ResumeAction = {}): Promise<ActionOutcome> {
    return this.act(collection, 'resume', payload, 'resume');
  }
  async rollback(collection: string, payload: OperatorAction = {}): Promise<ActionOutcome> {
    return this.act(collection, 'rollback', payload, 'rollback');
  }
  /** Ends retention now: the old index is deleted instead of waiting out the window. */
  async endRetention(collection: string, payload: OperatorAction = {}): Promise<ActionOutcome> {
    return this.act(collection, 'endRetention', payload, 'end-retention');
  }

  /** The migration's own view when one exists, joined with the registry and the live alias. */
  async status(collection: string): Promise<CollectionStatus> {
    const { registry, aliases, quarantine, store, es, adapters } = this.services;
    const workflowId = migrationWorkflowId(collection);
    const [record, aliasTargets, run] = await Promise.all([registry.get(collection), aliases.targets(collection), this.migrationView(workflowId)]);
    const targetIndex = run?.status?.targetIndex ?? record.migration?.targetIndex ?? null;
    const sourceIndex = run?.status?.sourceIndex ?? record.migration?.sourceIndex ?? null;
    const [quarantined, hot, fitted] = await Promise.all([
      run?.status ? quarantine.list(workflowId, 100).then((list) => list.map((q) => ({ id: q.docId, reason: q.reason }))) : [],
      targetIndex ? AccessStats.hottest(es, collection, HOT_SET_SIZE) : [],
      adapters.list(collection),
    ]);
    const inTarget = hot.length > 0 && targetIndex ? (await store.getMany(targetIndex, hot, false).catch(() => new Map())).size : 0;
    return collectionStatus({
      record,
      workflowId,
      webUiUrl: workflowUiUrl(this.config, workflowId),
      aliasTargets,
      run,
      quarantined,
      hotSet: hot.length > 0 ? { size: hot.length, inTarget } : null,
      adapters: fitted.filter((a) => a.sourceIndex === sourceIndex && a.targetIndex === targetIndex),
      nowMs: Date.now(),
    });
  }

  /**
   * Phase, coverage, write targets and the search route of a collection, read from the
   * registry: no worker needs to be running.
   */
  async routing(collection: string, mergeThreshold = 0.5): Promise<RoutingState> {
    const record = await this.services.registry.get(collection);
    return {
      collection,
      phase: record.migration?.phase ?? 'NONE',
      coverage: record.migration?.coverage ?? 1,
      activeIndex: record.activeIndex,
      activeSpecId: record.activeSpecId,
      writeTargets: record.writeTargets,
      route: chooseRoute(record, mergeThreshold),
    };
  }

  /**
   * Marks a spec retired (its model can no longer embed) and fits, for every running
   * migration from it, the adapter through which searches and live writes reach the old
   * index until the cutover. Retiring again refits them with the documents copied since.
   */
  async retireSpec(specId: string, options: { by: string; minAdapterRecall?: number }): Promise<RetiredSpecReport> {
    const minRecall = parseOrExplain(z.number().min(0).max(1).default(0.9), options.minAdapterRecall, 'minimum adapter recall');
    this.services.catalog.get(specId);
    const { retiredSpecs, registry, store, adapters } = this.services;
    const records = await registry.list();
    const migrating = records.filter((r) => r.migration && BEFORE_CUTOVER.has(r.migration.phase) && r.migration.sourceSpecId === specId);
    // Retiring records a fact about the provider, so it is not refused; those still searching with the spec are named.
    const stranded = records.filter((r) => r.activeSpecId === specId && !migrating.includes(r)).map((r) => r.collection);
    const retired = await retiredSpecs.retire(specId, options.by);
    const fitted = await Promise.all(
      migrating.map(async ({ collection, migration: m }) => {
        const request = {
          collection,
          sourceIndex: m!.sourceIndex,
          targetIndex: m!.targetIndex,
          sourceSpecId: specId,
          targetSpecId: m!.targetSpecId,
          minRecall,
        };
        try {
          return { collection, adapter: await fitMigrationAdapter({ store, adapters }, request) };
        } catch (error) {
          return { collection, error: (error as Error).message };
        }
      }),
    );
    return { ...retired, migrations: fitted, stranded };
  }

  /** Takes a spec off the retired list; false when it was not on it. */
  async restoreSpec(specId: string): Promise<boolean> {
    return this.services.retiredSpecs.restore(specId);
  }

  async retiredSpecs(): Promise<RetiredSpec[]> {
    return this.services.retiredSpecs.list();
  }

  async collections(): Promise<CollectionRecord[]> {
    return this.services.registry.list();
  }

  /** Migrations known to Temporal's visibility store, newest first. */
  async list(collection?: string): Promise<MigrationListEntry[]> {
    const query = `WorkflowType = '${MIGRATION_WORKFLOW_TYPE}'${collection ? ` AND ${collectionKey.name} = '${collection.replace(/'/g, '')}'` : ''}`;
    const entries: MigrationListEntry[] = [];
    for await (const wf of this.temporal.client.workflow.list({ query })) {
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
  async waitForPhase(
    collection: string,
    phases: readonly string[],
    options: { timeoutMs: number; onStatus?: (s: MigrationStatus) => void; /** Between status queries; default 500 ms. */ pollMs?: number },
  ): Promise<MigrationStatus> {
    const deadline = Date.now() + options.timeoutMs;
    for (;;) {
      const view = await this.migrationView(migrationWorkflowId(collection));
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
      await new Promise((r) => setTimeout(r, options.pollMs ?? 500));
    }
  }

  async result(collection: string): Promise<MigrationResult> {
    return (await this.handle(migrationWorkflowId(collection)).result()) as MigrationResult;
  }

  private handle(workflowId: string): WorkflowHandle {
    return this.temporal.client.workflow.getHandle(workflowId);
  }

  /**
   * The workflow's own status when a worker can answer the query; otherwise (no worker
   * running, or a failed run) the phase its search attribute last recorded.
   */
  private async migrationView(workflowId: string): Promise<MigrationView | null> {
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
  private async act(collection: string, name: SignalName, payload: unknown, what: string): Promise<ActionOutcome> {
    const valid = parseOrExplain(SIGNALS[name].schema, payload, what);
    const handle = this.handle(migrationWorkflowId(collection));
    try {
      return await this.temporal.client.connection.withDeadline(Date.now() + ACTION_TIMEOUT_MS, () =>
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
            `Start a worker (npm run worker) on task queue ${this.config.temporal.taskQueue}; the action may still apply once one runs — check with \`reembed status ${collection}\`.`,
          { cause: error },
        );
      }
      throw error;
    }
  }
}
