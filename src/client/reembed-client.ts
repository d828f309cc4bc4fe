import type { Client as EsClient } from '@elastic/elasticsearch';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { z } from 'zod';
import { SEARCH_ATTRIBUTES, workflowUiUrl } from '../../temporal.config';
import type { Config } from '../config/env';
import { ProviderPool } from '../embedding/provider-pool';
import { SpecCatalog } from '../embedding/spec-catalog';
import { estimateMigration, type MigrationEstimate } from '../estimate/migration-estimate';
import type { CollectionRecord, MigrationPhase, WriteTarget } from '../registry/collection-record';
import { CollectionRegistry } from '../registry/collection-registry';
import { AliasStore } from '../store/aliases';
import { createElasticsearchClient } from '../store/elasticsearch-client';
import { QuarantineStore } from '../store/quarantine';
import { VectorIndexStore } from '../store/vector-index';
import { AccessStats } from '../search/access-stats';
import { chooseRoute, type Route } from '../search/route';
import {
  approveCutoverSchema,
  approveCutoverSignal,
  endRetentionSignal,
  migrationInputSchema,
  migrationWorkflowId,
  operatorActionSchema,
  pauseSignal,
  rejectCutoverSchema,
  rejectCutoverSignal,
  resumeSchema,
  resumeSignal,
  rollbackSignal,
  statusQuery,
  type ApproveCutover,
  type MigrationRequest,
  type MigrationResult,
  type MigrationStatus,
  type OperatorAction,
  type RejectCutover,
  type ResumeAction,
} from '../workflows/migration/messages';
import type { migrationWorkflow } from '../workflows/migration/migration-workflow';
import { collectionKey, phaseKey, targetModelKey } from '../workflows/migration/search-attributes';
import { missingSearchAttributes, registerSearchAttributes } from './search-attributes';
import { connectTemporal, type TemporalClientHandle } from './temporal-client';

/** What `reembed status --json` prints and other services read. */
export interface CollectionStatus {
  readonly collection: string;
  /** NONE when the collection has never been migrated. */
  readonly phase: MigrationPhase | 'NONE';
  readonly workflowId: string;
  readonly workflowStatus: string | null;
  /** False when no worker answered the status query; counts are then unknown. */
  readonly live: boolean;
  readonly webUiUrl: string;
  readonly sourceIndex: string | null;
  readonly targetIndex: string | null;
  readonly aliasTarget: string | null;
  readonly activeIndex: string;
  readonly activeSpecId: string;
  readonly writeTargets: readonly WriteTarget[];
  readonly documents: MigrationStatus['documents'];
  readonly coverage: number;
  readonly paused: boolean;
  readonly pausedBy: MigrationStatus['pausedBy'] | null;
  readonly pauseReason: string | null;
  readonly docsPerSecond: number | null;
  readonly etaSeconds: number | null;
  readonly tokens: number;
  readonly spentUsd: number;
  readonly budgetUsd: number | null;
  readonly estimate: MigrationEstimate | null;
  readonly quarantinedDocuments: readonly { readonly id: string; readonly reason: string }[];
  /** Share of the 100 most-searched documents already in the new index; null without access statistics. */
  readonly hotSetMigrated: number | null;
  readonly migration: MigrationStatus | null;
}

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

export class ReembedUsageError extends Error {
  override readonly name = 'ReembedUsageError';
}

function parseOrExplain<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ReembedUsageError(`Invalid ${what}:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** The typed API other services use to run and watch migrations. */
export class ReembedClient {
  private constructor(
    private readonly config: Config,
    private readonly temporal: TemporalClientHandle,
    private readonly es: EsClient,
    private readonly registry = new CollectionRegistry(es),
    private readonly aliases = new AliasStore(es),
    private readonly quarantine = new QuarantineStore(es),
    private readonly store = new VectorIndexStore(es),
  ) {}

  static async connect(config: Config): Promise<ReembedClient> {
    return new ReembedClient(config, await connectTemporal(config), createElasticsearchClient(config));
  }

  async close(): Promise<void> {
    await this.temporal.close();
    await this.es.close();
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
    const catalog = SpecCatalog.load();
    const record = await this.registry.get(collection);
    const spec = catalog.get(targetSpecId);
    const provider = await new ProviderPool(this.config).get(spec);
    return estimateMigration(
      { es: this.es, store: this.store, config: this.config },
      { sourceIndex: record.activeIndex, sourceSpec: catalog.get(record.activeSpecId), spec, provider, ...(onProgress ? { onPage: onProgress } : {}) },
    );
  }

  /** Starts a migration; refuses a second one for the same collection. */
  async startMigration(request: MigrationRequest): Promise<{ workflowId: string; runId: string; webUiUrl: string }> {
    const input = parseOrExplain(migrationInputSchema, request, 'migration request');
    SpecCatalog.load().get(input.targetSpecId);
    const record = await this.registry.get(input.collection);
    if (record.activeSpecId === input.targetSpecId) {
      throw new ReembedUsageError(`Collection "${input.collection}" already uses ${input.targetSpecId}; there is nothing to migrate.`);
    }
    const missing = await missingSearchAttributes(this.temporal.client.connection, this.config.temporal.namespace);
    if (missing.length > 0) {
      throw new ReembedUsageError(
        `Temporal namespace "${this.config.temporal.namespace}" lacks the search attributes ${missing.join(', ')}, without which migration workflows cannot record their phase. ` +
          'Register them with `reembed init` (or `temporal operator search-attribute create`).',
      );
    }
    const workflowId = migrationWorkflowId(input.collection);
    try {
      const handle = await this.temporal.client.workflow.start<typeof migrationWorkflow>('migrationWorkflow', {
        workflowId,
        taskQueue: this.config.temporal.taskQueue,
        args: [input],
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

  async approve(collection: string, payload: ApproveCutover): Promise<void> {
    await this.signal(collection, approveCutoverSignal, parseOrExplain(approveCutoverSchema, payload, 'approval'));
  }
  async reject(collection: string, payload: RejectCutover): Promise<void> {
    await this.signal(collection, rejectCutoverSignal, parseOrExplain(rejectCutoverSchema, payload, 'rejection'));
  }
  async pause(collection: string, payload: OperatorAction = {}): Promise<void> {
    await this.signal(collection, pauseSignal, parseOrExplain(operatorActionSchema, payload, 'pause'));
  }
  /** `addBudgetUsd` raises the budget of a migration paused at it. */
  async resume(collection: string, payload: ResumeAction = {}): Promise<void> {
    await this.signal(collection, resumeSignal, parseOrExplain(resumeSchema, payload, 'resume'));
  }
  async rollback(collection: string, payload: OperatorAction = {}): Promise<void> {
    await this.signal(collection, rollbackSignal, parseOrExplain(operatorActionSchema, payload, 'rollback'));
  }
  /** Ends retention now: the old index is deleted instead of waiting out the window. */
  async endRetention(collection: string, payload: OperatorAction = {}): Promise<void> {
    await this.signal(collection, endRetentionSignal, parseOrExplain(operatorActionSchema, payload, 'cleanup'));
  }

  /** The migration's own view when one exists, joined with the registry and the live alias. */
  async status(collection: string): Promise<CollectionStatus> {
    const record = await this.registry.get(collection);
    const workflowId = migrationWorkflowId(collection);
    const [aliasTargets, run] = await Promise.all([this.aliases.targets(collection), this.migrationView(workflowId)]);
    const m = run?.status ?? null;
    const quarantinedDocuments = m ? (await this.quarantine.list(workflowId, 100)).map((q) => ({ id: q.docId, reason: q.reason })) : [];
    const sourceIndex = m?.sourceIndex ?? record.migration?.sourceIndex ?? null;
    const targetIndex = m?.targetIndex ?? record.migration?.targetIndex ?? null;
    const hot = targetIndex ? await AccessStats.hottest(this.es, collection, 100) : [];
    const hotSetMigrated = hot.length > 0 && targetIndex ? (await this.store.getMany(targetIndex, hot, false).catch(() => new Map())).size / hot.length : null;
    const elapsedS = m?.backfillStartedAt ? (Date.now() - Date.parse(m.backfillStartedAt)) / 1000 : 0;
    const rate = m && m.phase === 'BACKFILLING' && elapsedS > 0 ? m.documents.migrated / elapsedS : null;
    const remaining = m ? m.documents.total - m.documents.migrated - m.documents.quarantined : 0;
    return {
      collection,
      phase: m?.phase ?? ((run?.recordedPhase ?? record.migration?.phase ?? 'NONE') as MigrationPhase | 'NONE'),
      workflowId,
      workflowStatus: run?.workflowStatus ?? null,
      live: m !== null,
      webUiUrl: workflowUiUrl(this.config, workflowId),
      sourceIndex,
      targetIndex,
      aliasTarget: aliasTargets.length === 1 ? aliasTargets[0]! : aliasTargets.length === 0 ? null : aliasTargets.join(','),
      activeIndex: record.activeIndex,
      activeSpecId: record.activeSpecId,
      writeTargets: record.writeTargets,
      documents: m?.documents ?? { total: 0, migrated: 0, quarantined: 0, truncated: 0 },
      coverage: m?.coverage ?? 1,
      paused: m?.paused ?? false,
      pausedBy: m?.pausedBy ?? null,
      pauseReason: m?.pauseReason ?? null,
      docsPerSecond: rate,
      etaSeconds: rate && rate > 0 ? Math.ceil(remaining / rate) : null,
      tokens: m?.tokens ?? 0,
      spentUsd: m?.spentUsd ?? 0,
      budgetUsd: m?.budgetUsd ?? null,
      estimate: m?.estimate ?? null,
      quarantinedDocuments,
      hotSetMigrated,
      migration: m,
    };
  }

  /**
   * Phase, coverage, write targets and the search route of a collection, read from the
   * registry: no worker needs to be running.
   */
  async routing(collection: string, mergeThreshold = 0.5): Promise<RoutingState> {
    const record = await this.registry.get(collection);
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

  async collections(): Promise<CollectionRecord[]> {
    return this.registry.list();
  }

  /** Migrations known to Temporal's visibility store, newest first. */
  async list(collection?: string): Promise<MigrationListEntry[]> {
    const query = `WorkflowType = 'migrationWorkflow'${collection ? ` AND ${SEARCH_ATTRIBUTES.collection} = '${collection.replace(/'/g, '')}'` : ''}`;
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
  async waitForPhase(collection: string, phases: readonly string[], options: { timeoutMs: number; onStatus?: (s: MigrationStatus) => void }): Promise<MigrationStatus> {
    const deadline = Date.now() + options.timeoutMs;
    for (;;) {
      const view = await this.migrationView(migrationWorkflowId(collection));
      if (view?.status) {
        options.onStatus?.(view.status);
        if (phases.includes(view.status.phase) || (view.status.paused && phases.includes('PAUSED'))) return view.status;
        if (view.workflowStatus !== 'RUNNING') {
          throw new Error(`Migration of "${collection}" ended in ${view.status.phase}${view.status.error ? `: ${view.status.error}` : ''}, not in ${phases.join('/')}.`);
        }
      }
      if (Date.now() > deadline) throw new Error(`Migration of "${collection}" did not reach ${phases.join('/')} within ${options.timeoutMs} ms.`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  async result(collection: string): Promise<MigrationResult> {
    return this.handle(migrationWorkflowId(collection)).result();
  }

  private handle(workflowId: string): WorkflowHandle<typeof migrationWorkflow> {
    return this.temporal.client.workflow.getHandle<typeof migrationWorkflow>(workflowId);
  }

  /**
   * The workflow's own status when a worker can answer the query; otherwise (no worker
   * running, or a failed run) the phase its search attribute last recorded.
   */
  private async migrationView(workflowId: string): Promise<{ status: MigrationStatus | null; workflowStatus: string; recordedPhase: string | null } | null> {
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
    if (workflowStatus === 'COMPLETED') return { status: (await handle.result()).status, workflowStatus, recordedPhase };
    try {
      return { status: await handle.query(statusQuery), workflowStatus, recordedPhase };
    } catch {
      return { status: null, workflowStatus, recordedPhase };
    }
  }

  private async signal(collection: string, signal: Parameters<WorkflowHandle['signal']>[0], payload: unknown): Promise<void> {
    try {
      await this.handle(migrationWorkflowId(collection)).signal(signal as never, payload as never);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) {
        throw new ReembedUsageError(`Collection "${collection}" has no running migration. Start one with \`reembed migrate ${collection} --to <specId>\`.`);
      }
      throw error;
    }
  }
}
