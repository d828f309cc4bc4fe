import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  log,
  patched,
  setCurrentDetails,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { FAILURES, failureKind } from '../migration/failures.js';
import { migrationInputSchema, type MigrationInput, type MigrationRequest } from '../migration/input.js';
import type { MigrationResult, MigrationStatus } from '../migration/status.js';
import { MigrationState } from '../migration/migration-state.js';
import type { MigrationPhase } from '../migration/phases.js';
import { currentDetails } from '../migration/current-details.js';
import { coverageKey, phaseKey } from '../migration/search-attributes.js';
import { backfillingActivities, bookkeeping, warming } from './activity-stubs.js';
import { wireHandlers } from './handlers.js';

export const REJECTED = Symbol('rejected');

/** The input as the workflow may use it; a bad one fails the workflow for good. */
export function parseInput(request: MigrationRequest): MigrationInput {
  const parsed = migrationInputSchema.safeParse(request);
  if (parsed.success) return parsed.data;
  // A ZodError would retry the workflow task forever; the input will not get better.
  const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  throw ApplicationFailure.nonRetryable(`Invalid migration input: ${issues}`, FAILURES.invalidInput.type);
}

/**
 * One run of a migration workflow: its state (with the signal handlers wired to it) and
 * the effects every phase shares — publishing the phase, recording it in the registry,
 * waiting out a pause, ending the migration before cutover. Workflow code: deterministic.
 */
export class MigrationRun {
  readonly state: MigrationState;
  readonly ref: { readonly collection: string; readonly workflowId: string };
  readonly backfilling: ReturnType<typeof backfillingActivities>;

  constructor(
    readonly input: MigrationInput,
    resumeFrom?: MigrationStatus,
  ) {
    this.state = new MigrationState(input, workflowInfo().workflowId, resumeFrom);
    this.ref = { collection: input.collection, workflowId: this.state.status.workflowId };
    this.backfilling = backfillingActivities(input.heartbeatTimeoutMs);
    wireHandlers(this.state);
  }

  /** Both indexes and the target spec, as every copy and verification activity takes them. */
  indexes() {
    const { sourceIndex, targetIndex } = this.state.status;
    return { ...this.ref, sourceIndex: sourceIndex!, targetIndex: targetIndex!, targetSpecId: this.input.targetSpecId };
  }

  result(): MigrationResult {
    return { phase: this.state.phase, status: this.state.status };
  }

  /** Shows the phase to the Web UI and `reembed list`: the search attributes and the current details. */
  publishPhase(): void {
    this.showDetails();
    if (!this.input.searchAttributes) return;
    // PAUSED is not a phase (the migration resumes where it was) but is what the Web UI and `reembed list` should show.
    upsertSearchAttributes([
      { key: phaseKey, value: this.state.paused ? 'PAUSED' : this.state.phase },
      { key: coverageKey, value: this.state.status.coverage },
    ]);
  }

  /** The Web UI's current details: one line with the phase, progress, verdict and next action, then the evidence. */
  showDetails(): void {
    setCurrentDetails(currentDetails(this.state.status, Date.now()));
  }

  async enter(phase: MigrationPhase, extra: Partial<MigrationStatus> = {}): Promise<void> {
    this.state.enter(phase, extra);
    this.publishPhase();
    await bookkeeping.recordPhase({ ...this.ref, phase });
  }

  /** Deletes an index once every writer has stopped writing to it (their registry cache expired). */
  async deleteWhenUnused(index: string): Promise<void> {
    await sleep(this.input.writerStalenessMs);
    await bookkeeping.deleteRetiredIndex({ ...this.ref, index });
  }

  /**
   * Whether this run should hand over to a new one (continue-as-new, carrying the status and
   * its cursors): after `activitiesPerRun` backfill activities, or when Temporal says the
   * history grows large. Keeps history bounded for millions of documents.
   */
  handOverDue(activitiesThisRun: number): boolean {
    return activitiesThisRun >= this.input.activitiesPerRun || workflowInfo().continueAsNewSuggested;
  }

  /**
   * A canary set sampled from the index the alias now points to. Not worth failing a migration
   * whose alias has moved: a failure is logged, and the next canary check captures one.
   * Migrations that cut over before it was an activity of its own replay without it.
   */
  async captureCanaries(): Promise<void> {
    if (!patched('canary-capture-activity')) return;
    try {
      await warming.captureCanaries({ collection: this.input.collection });
    } catch (error) {
      log.warn('canary set not captured; the next canary check captures one', { collection: this.input.collection, error: (error as Error).message });
    }
  }

  async waitWhilePaused(): Promise<void> {
    const { state } = this;
    if (!state.paused || state.rejected) return;
    this.publishPhase();
    log.warn('migration paused', { collection: this.input.collection, by: state.status.pausedBy, reason: state.status.pauseReason });
    await condition(() => !state.paused || state.rejected);
    this.publishPhase();
  }

  /**
   * Runs an embedding activity once nobody holds the migration paused. A provider
   * misconfiguration (refused key, unknown model) or an Elasticsearch write block (disk
   * flood stage) pauses it instead of failing it: fix the cause, resume, and the activity
   * runs again from where it stopped.
   */
  async fixable<T>(run: () => Promise<T>): Promise<T | typeof REJECTED> {
    for (let lostShards = false; ;) {
      await this.waitWhilePaused();
      if (this.state.rejected) return REJECTED;
      // Resumed after lost primaries: a node that is gone for good left the new index red for ever.
      if (lostShards && patched('rebuild-lost-target-shards')) await this.rebuildLostShards();
      try {
        return await run();
      } catch (error) {
        const cause = error instanceof ActivityFailure ? error.cause : undefined;
        if (!(cause instanceof ApplicationFailure)) throw error;
        const reaction = failureKind(cause.type ?? undefined)?.reaction;
        if (typeof reaction !== 'object') throw error;
        lostShards = cause.type === FAILURES.indexUnavailable.type;
        this.state.pauseUntilFixed(reaction.pause, cause.message);
      }
    }
  }

  private async rebuildLostShards(): Promise<void> {
    const shards = await bookkeeping.rebuildLostTargetShards(this.indexes());
    if (shards.length === 0) return;
    this.state.lostShardsRebuilt(this.indexes().targetIndex, shards);
    log.warn('lost shards of the new index rebuilt empty; the catch-up copies their documents again', { collection: this.input.collection, shards });
    this.showDetails();
  }

  /**
   * Warms the new index up with the golden and frequent traffic queries and adds the
   * latencies to the quality report and the Web UI's details. A failed warm-up is logged,
   * never a reason to fail an approved migration.
   */
  async warmUp(): Promise<void> {
    try {
      const warmup = await warming.warmUpIndex(this.indexes());
      if (!warmup) return;
      this.state.warmedUp(warmup);
      this.showDetails();
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      log.warn('warm-up failed; the cutover goes ahead cold', { collection: this.input.collection, error: error.cause?.message ?? error.message });
    }
  }

  /**
   * Cancels the Batch API batches still running (pause, reject, a failed or cancelled
   * migration): OpenAI bills only the lines it finished, and keeps their output.
   */
  async cancelBatches(): Promise<void> {
    const batchIds = this.state.batches.cancellable.map((b) => b.id);
    if (batchIds.length === 0) return;
    const states = await bookkeeping.cancelEmbeddingBatches({ targetSpecId: this.input.targetSpecId, batchIds });
    for (const [id, poll] of Object.entries(states)) this.state.batches.polled(id, poll);
    this.showDetails();
  }

  /** Ends the migration before cutover, leaving the alias where it was. */
  async abandon(outcome: 'REJECTED' | 'FAILED', reason: string): Promise<MigrationResult> {
    await CancellationScope.nonCancellable(async () => {
      await this.cancelBatches();
      await bookkeeping.abandonMigration({ ...this.ref, outcome, reason });
      if (this.state.status.targetIndex) await this.deleteWhenUnused(this.state.status.targetIndex);
    });
    if (outcome === 'REJECTED') this.state.enter('REJECTED');
    else this.state.failed(reason);
    this.publishPhase();
    return this.result();
  }

  /** Someone rejected the migration (or its approval timed out). */
  rejected(): Promise<MigrationResult> {
    return this.abandon('REJECTED', this.state.status.rejection!.reason);
  }
}
