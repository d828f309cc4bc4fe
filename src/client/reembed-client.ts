import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { RetiredSpec } from '../store/retired-specs.js';
import type { Config } from '../config/env.js';
import { workflowUiUrl } from '../config/temporal.js';
import { estimateMigration, type MigrationEstimate } from '../estimate/migration-estimate.js';
import { type ActionOutcome, type ApproveCutover, type OperatorAction, type RejectCutover, type ResumeAction } from '../migration/messages.js';
import { MIGRATION_WORKFLOW_TYPE, migrationInputSchema, migrationWorkflowId, type MigrationRequest } from '../migration/input.js';
import type { MigrationResult, MigrationStatus } from '../migration/status.js';
import type { MigrationPhase } from '../migration/phases.js';
import { collectionKey, phaseKey, targetModelKey } from '../migration/search-attributes.js';
import type { CollectionRecord, WriteTarget } from '../registry/collection-record.js';
import { chooseRoute, type Route } from '../search/route.js';
import { AccessStats } from '../search/access-stats.js';
import { writerStalenessFor } from '../migration/writer-staleness.js';
import { Services } from '../services.js';
import { ReembedUsageError } from '../errors.js';
import { migrationStaticDetails, migrationSummary } from '../migration/current-details.js';
import { collectionStatus, type CollectionStatus } from './collection-status.js';
import { CanaryClient } from '../canary/canary-client.js';
import { parseOrExplain } from './parse-or-explain.js';
import { assertSearchAttributesRegistered, registerSearchAttributes } from './search-attributes.js';
import { connectTemporal, type TemporalClientHandle } from './temporal-client.js';
import { MigrationWorkflows, type MigrationListEntry, type WaitOptions } from './migration-workflows.js';
import { retireSpec, type RetiredSpecReport } from './spec-retirement.js';

export type { CollectionStatus } from './collection-status.js';
export { ActionNotAnsweredError, ActionRefusedError, ReembedUsageError } from '../errors.js';
export type { ActionOutcome } from '../migration/messages.js';
export type { MigrationListEntry } from './migration-workflows.js';
export type { RetiredSpecReport } from './spec-retirement.js';

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

/** The typed API other services use to run and watch migrations. */
export class ReembedClient {
  private readonly workflows: MigrationWorkflows;

  private constructor(
    private readonly services: Services,
    private readonly temporal: TemporalClientHandle,
  ) {
    this.workflows = new MigrationWorkflows(temporal.client, services.config.temporal.taskQueue);
  }

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
    const input = parseOrExplain(
      migrationInputSchema,
      { writerStalenessMs: writerStalenessFor(this.config.registryCacheMs), ...request, approvers: approvers ? [...approvers] : null },
      'migration request',
    );
    const target = this.services.catalog.get(input.targetSpecId);
    if (input.batchApi && target.provider !== 'openai') {
      throw new ReembedUsageError(
        `--batch-api backfills through the OpenAI Batch API; ${target.id} is embedded by ${target.provider}. Pick an OpenAI spec (reembed models) or drop --batch-api.`,
      );
    }
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
    return this.workflows.act(collection, 'approveCutover', payload, 'approval');
  }
  async reject(collection: string, payload: RejectCutover): Promise<ActionOutcome> {
    return this.workflows.act(collection, 'rejectCutover', payload, 'rejection');
  }
  async pause(collection: string, payload: OperatorAction = {}): Promise<ActionOutcome> {
    return this.workflows.act(collection, 'pause', payload, 'pause');
  }
  /** `addBudgetUsd` raises the budget of a migration paused at it. */
  async resume(collection: string, payload: ResumeAction = {}): Promise<ActionOutcome> {
    return this.workflows.act(collection, 'resume', payload, 'resume');
  }
  async rollback(collection: string, payload: OperatorAction = {}): Promise<ActionOutcome> {
    return this.workflows.act(collection, 'rollback', payload, 'rollback');
  }
  /** Ends retention now: the old index is deleted instead of waiting out the window. */
  async endRetention(collection: string, payload: OperatorAction = {}): Promise<ActionOutcome> {
    return this.workflows.act(collection, 'endRetention', payload, 'end-retention');
  }

  /** The migration's own view when one exists, joined with the registry and the live alias. */
  async status(collection: string): Promise<CollectionStatus> {
    const { registry, aliases, quarantine, store, es, adapters } = this.services;
    const workflowId = migrationWorkflowId(collection);
    const [record, aliasTargets, run] = await Promise.all([registry.get(collection), aliases.targets(collection), this.workflows.view(workflowId)]);
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
    return retireSpec(this.services, specId, options);
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
    return this.workflows.list(collection);
  }

  /** Resolves once the migration reaches one of `phases` ('PAUSED' matches a paused one); rejects if it ends elsewhere. */
  async waitForPhase(collection: string, phases: readonly string[], options: WaitOptions): Promise<MigrationStatus> {
    return this.workflows.waitForPhase(collection, phases, options);
  }

  async result(collection: string): Promise<MigrationResult> {
    return this.workflows.result(collection);
  }
}
