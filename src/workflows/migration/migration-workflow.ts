import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  ContinueAsNew,
  continueAsNew,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { MigrationActivities } from '../../activities/migration-activities';
import type { MigrationPhase } from '../../registry/collection-record';
import {
  approveCutoverSignal,
  endRetentionSignal,
  migrationInputSchema,
  pauseSignal,
  rejectCutoverSignal,
  resumeSignal,
  rollbackSignal,
  SIGNAL_DESCRIPTIONS,
  statusQuery,
  type MigrationRequest,
  type MigrationResult,
  type MigrationStatus,
} from './messages';
import { BEFORE_CUTOVER, MigrationState } from './migration-state';
import { coverageKey, phaseKey } from './search-attributes';

const REJECTED = Symbol('rejected');

/** Errors no retry can fix: a wrong key or model, a missing setup. */
const NON_RETRYABLE = ['ProviderConfigError'];

/** Short bookkeeping activities: registry updates, alias swaps, index deletion. */
const bookkeeping = proxyActivities<MigrationActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20, nonRetryableErrorTypes: NON_RETRYABLE },
});

/** Catch-up and verification scan whole indexes; they heartbeat per page. */
const scanning = proxyActivities<MigrationActivities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 20, nonRetryableErrorTypes: NON_RETRYABLE },
});

/**
 * Moves one collection from its active model spec to a target spec with zero downtime:
 * prepare → backfill → catch-up → verify → wait for approval → grace period → cutover →
 * retention (rollback possible) → cleanup. Workflow id `reembed:<collection>`, so a
 * collection has at most one migration at a time.
 */
export async function migrationWorkflow(request: MigrationRequest, resumeFrom?: MigrationStatus): Promise<MigrationResult> {
  const parsed = migrationInputSchema.safeParse(request);
  if (!parsed.success) {
    // A ZodError would retry the workflow task forever; the input will not get better.
    throw ApplicationFailure.nonRetryable(`Invalid migration input: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, 'InvalidInput');
  }
  const input = parsed.data;
  const { workflowId } = workflowInfo();
  const state = new MigrationState(input, workflowId, resumeFrom);
  const ref = { collection: input.collection, workflowId };

  setHandler(statusQuery, () => state.status, { description: 'Phase, counts, coverage, approvals and refused signals of this migration.' });
  setHandler(approveCutoverSignal, (p) => state.approve(p), { description: SIGNAL_DESCRIPTIONS.approveCutover });
  setHandler(rejectCutoverSignal, (p) => state.reject(p), { description: SIGNAL_DESCRIPTIONS.rejectCutover });
  setHandler(pauseSignal, (p) => state.pause(p), { description: SIGNAL_DESCRIPTIONS.pause });
  setHandler(resumeSignal, (p) => state.resume(p), { description: SIGNAL_DESCRIPTIONS.resume });
  setHandler(rollbackSignal, (p) => state.rollback(p), { description: SIGNAL_DESCRIPTIONS.rollback });
  setHandler(endRetentionSignal, (p) => state.endRetention(p), { description: SIGNAL_DESCRIPTIONS.endRetention });

  const backfilling = proxyActivities<MigrationActivities>({
    // A dead worker is noticed after one heartbeat timeout; a retry resumes from the
    // last heartbeated cursor.
    startToCloseTimeout: '1 hour',
    heartbeatTimeout: input.heartbeatTimeoutMs,
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 50, nonRetryableErrorTypes: NON_RETRYABLE },
  });

  function publishPhase(): void {
    if (!input.searchAttributes) return;
    upsertSearchAttributes([
      // PAUSED is not a phase of its own (the migration resumes where it was) but is what
      // the Web UI and `reembed list` should show while it waits for someone.
      { key: phaseKey, value: state.paused ? 'PAUSED' : state.phase },
      { key: coverageKey, value: state.status.coverage },
    ]);
  }

  async function enter(phase: MigrationPhase, extra: Partial<MigrationStatus> = {}): Promise<void> {
    state.enter(phase, extra);
    publishPhase();
    await bookkeeping.recordPhase({ ...ref, phase });
  }

  const indexes = () => ({
    ...ref,
    sourceIndex: state.status.sourceIndex!,
    targetIndex: state.status.targetIndex!,
    targetSpecId: input.targetSpecId,
  });

  /** Deletes an index once every writer has stopped writing to it (their registry cache expired). */
  async function deleteWhenUnused(index: string): Promise<void> {
    await sleep(input.writerStalenessMs);
    await bookkeeping.deleteRetiredIndex({ ...ref, index });
  }

  async function waitWhilePaused(): Promise<void> {
    if (!state.paused || state.rejected) return;
    publishPhase();
    log.warn('migration paused', { collection: input.collection, by: state.status.pausedBy, reason: state.status.pauseReason });
    await condition(() => !state.paused || state.rejected);
    publishPhase();
  }

  /**
   * Runs an embedding activity. A provider misconfiguration (refused key, unknown model)
   * pauses the migration instead of failing it: fix the worker's config, restart it, resume,
   * and the activity runs again from where it stopped.
   */
  async function fixable<T>(run: () => Promise<T>): Promise<T | typeof REJECTED> {
    for (;;) {
      await waitWhilePaused();
      if (state.rejected) return REJECTED;
      try {
        return await run();
      } catch (error) {
        const cause = error instanceof ActivityFailure ? error.cause : undefined;
        if (!(cause instanceof ApplicationFailure && cause.type === 'ProviderConfigError')) throw error;
        state.pauseFor('provider', `${cause.message} Then: reembed resume ${input.collection}`);
      }
    }
  }

  function pauseAtBudget(): void {
    const s = state.status;
    state.pauseFor(
      'budget',
      `budget of $${s.budgetUsd} reached: $${s.spentUsd.toFixed(4)} spent on ${s.tokens} tokens and the next batch would go past it. ` +
        `Resume with more: reembed resume ${input.collection} --budget <dollars>`,
    );
  }

  const rejectedNow = () => abandon('REJECTED', state.status.rejection!.reason);

  /** Ends the migration before cutover, leaving the alias where it was. */
  async function abandon(outcome: 'REJECTED' | 'FAILED', reason: string): Promise<MigrationResult> {
    await CancellationScope.nonCancellable(async () => {
      await bookkeeping.abandonMigration({ ...ref, outcome, reason });
      if (state.status.targetIndex) await deleteWhenUnused(state.status.targetIndex);
    });
    if (outcome === 'REJECTED') state.enter('REJECTED');
    else state.failed(reason);
    publishPhase();
    return { phase: state.phase, status: state.status };
  }

  try {
    if (state.phase === 'PREPARING') {
      publishPhase();
      const prepared = await fixable(() => scanning.prepareMigration({ ...ref, targetSpecId: input.targetSpecId, force: input.force }));
      if (prepared === REJECTED) return await rejectedNow();
      state.prepared(prepared);
      await enter('BACKFILLING', { backfillStartedAt: state.status.backfillStartedAt });
    }

    if (state.phase === 'BACKFILLING') {
      if (state.status.cursor === null && input.hotFirstLimit > 0 && !state.status.hotFirstDone) {
        for (;;) {
          const hot = await fixable(() => backfilling.backfillHot({ ...indexes(), limit: input.hotFirstLimit, batchSize: input.batchSize, tokenAllowance: state.tokenAllowance() }));
          if (hot === REJECTED) return await rejectedNow();
          state.applyChunk(hot);
          if (!hot.budgetReached) break;
          pauseAtBudget();
        }
        state.enter('BACKFILLING', { hotFirstDone: true });
      }
      for (let run = 0; ; run++) {
        await waitWhilePaused();
        if (state.rejected) return await rejectedNow();
        if (run >= input.activitiesPerRun || workflowInfo().continueAsNewSuggested) {
          // Keeps history bounded for millions of documents; the status carries the cursor.
          return await continueAsNew<typeof migrationWorkflow>(request, state.status);
        }
        const { documents } = state.status;
        const chunk = await fixable(() =>
          backfilling.backfillChunk({
            ...indexes(),
            cursor: state.status.cursor,
            batchSize: input.batchSize,
            batches: input.batchesPerActivity,
            doneBefore: documents.migrated + documents.quarantined,
            total: documents.total,
            tokenAllowance: state.tokenAllowance(),
          }),
        );
        if (chunk === REJECTED) return await rejectedNow();
        state.applyChunk(chunk);
        if (chunk.budgetReached) pauseAtBudget();
        else if (chunk.done) break;
      }
      await enter('CATCHING_UP', { backfillEndedAt: new Date().toISOString() });
    }

    if (state.phase === 'CATCHING_UP') {
      // A writer whose cached registry predates dual-write may still have written only the
      // old index; once the staleness bound has passed since PREPARING, none can any more.
      const sinceStart = Date.now() - Date.parse(state.status.startedAt);
      if (sinceStart < input.writerStalenessMs) await sleep(input.writerStalenessMs - sinceStart);
      // Live writes keep arriving; stop once a pass finds nothing to fix, or after a bound.
      for (let pass = 0; pass < 10; ) {
        const result = await fixable(() => scanning.catchUpPass({ ...indexes(), tokenAllowance: state.tokenAllowance() }));
        if (result === REJECTED) return await rejectedNow();
        state.applyCatchUp(result);
        // A pass stopped at the budget is run again once resumed; it does not count.
        if (result.budgetReached) {
          pauseAtBudget();
          continue;
        }
        pass++;
        if (result.reembedded + result.deleted + result.quarantined === 0) break;
      }
      await enter('VERIFYING');
    }

    if (state.phase === 'VERIFYING') {
      const report = await scanning.verifyMigration(indexes());
      state.verified(report);
      if (!report.ok) return await abandon('FAILED', `verification failed: ${report.problems.join('; ')}`);
      await enter('AWAITING_APPROVAL');
    }

    if (state.phase === 'AWAITING_APPROVAL') {
      const decided = input.approvalTimeoutMs === null
        ? (await condition(() => state.approved || state.rejected), true)
        : await condition(() => state.approved || state.rejected, input.approvalTimeoutMs);
      if (!decided) state.reject({ by: 'reembed', reason: `no decision within the approval timeout of ${input.approvalTimeoutMs} ms` });
      if (state.rejected) return await abandon('REJECTED', state.status.rejection!.reason);
      await enter('GRACE_PERIOD', { graceEndsAt: new Date(Date.now() + input.graceMs).toISOString() });
    }

    if (state.phase === 'GRACE_PERIOD') {
      await condition(() => state.rejected, input.graceMs);
      if (state.rejected) return await abandon('REJECTED', state.status.rejection!.reason);
      await enter('CUTOVER');
    }

    if (state.phase === 'CUTOVER') {
      await bookkeeping.cutover({ ...indexes(), approver: state.status.approval?.approver ?? 'unknown' });
      // Workflow time, not the activity's clock: the two differ under time skipping.
      const cutoverAt = new Date().toISOString();
      await enter('RETENTION', { cutoverAt, retentionEndsAt: new Date(Date.now() + input.retentionMs).toISOString() });
    }

    if (state.phase === 'RETENTION') {
      await condition(() => state.wantsRollback || state.wantsEndRetention, input.retentionMs);
      if (state.wantsRollback) {
        const rb = state.status.rollback!;
        await bookkeeping.rollbackCutover({ ...indexes(), by: rb.by ?? 'unknown', reason: rb.reason ?? '' });
        await deleteWhenUnused(indexes().targetIndex);
        state.enter('ROLLED_BACK');
      } else {
        await bookkeeping.finishMigration(indexes());
        await deleteWhenUnused(indexes().sourceIndex);
        state.enter('COMPLETED');
      }
      publishPhase();
    }
    log.info('migration ended', { collection: input.collection, phase: state.phase });
    return { phase: state.phase, status: state.status };
  } catch (error) {
    if (error instanceof ContinueAsNew) throw error;
    if (isCancellation(error)) {
      if (BEFORE_CUTOVER.has(state.phase)) await abandon('FAILED', 'the migration workflow was cancelled');
      throw error;
    }
    if (error instanceof ApplicationFailure && error.type === 'InvalidInput') throw error;
    const message = (error as Error).message ?? String(error);
    if (BEFORE_CUTOVER.has(state.phase)) await abandon('FAILED', message);
    else state.failed(message);
    throw ApplicationFailure.nonRetryable(`Migration of "${input.collection}" failed in ${state.status.phase}: ${message}`, 'MigrationFailed');
  }
}
