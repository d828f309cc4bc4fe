import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  ContinueAsNew,
  continueAsNew,
  defineQuery,
  defineSignal,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { MigrationActivities } from '../activities/index.js';
import {
  FAILURE_TYPES,
  migrationInputSchema,
  NON_RETRYABLE_ERROR_TYPES,
  SIGNALS,
  STATUS_QUERY,
  STATUS_QUERY_DESCRIPTION,
  type MigrationRequest,
  type MigrationResult,
  type MigrationStatus,
  type SignalName,
} from '../migration/contract.js';
import { MigrationState } from '../migration/migration-state.js';
import { BEFORE_CUTOVER, type MigrationPhase } from '../migration/phases.js';
import { coverageKey, phaseKey } from '../migration/search-attributes.js';

const REJECTED = Symbol('rejected');

const retry = (maximumAttempts: number, initialInterval: string, maximumInterval: string): ActivityOptions['retry'] => ({
  initialInterval,
  backoffCoefficient: 2,
  maximumInterval,
  maximumAttempts,
  nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES],
});

/** Short bookkeeping activities: registry updates, alias swaps, index deletion. */
const bookkeeping = proxyActivities<MigrationActivities>({ startToCloseTimeout: '2 minutes', retry: retry(20, '1 second', '1 minute') });

/** Prepare, catch-up and verification scan whole indexes; they heartbeat per page. */
const scanning = proxyActivities<MigrationActivities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '2 minutes',
  retry: retry(20, '2 seconds', '2 minutes'),
});

/**
 * Moves one collection from its active model spec to a target spec with zero downtime:
 * prepare → backfill → catch-up → verify → wait for approval → grace period → cutover →
 * retention (rollback possible) → cleanup. The rules live in MigrationState; this function
 * wires signals and activities to them. Workflow id `reembed:<collection>`.
 */
export async function migrationWorkflow(request: MigrationRequest, resumeFrom?: MigrationStatus): Promise<MigrationResult> {
  const parsed = migrationInputSchema.safeParse(request);
  if (!parsed.success) {
    // A ZodError would retry the workflow task forever; the input will not get better.
    throw ApplicationFailure.nonRetryable(
      `Invalid migration input: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      FAILURE_TYPES.invalidInput,
    );
  }
  const input = parsed.data;
  const state = new MigrationState(input, workflowInfo().workflowId, resumeFrom);
  const ref = { collection: input.collection, workflowId: state.status.workflowId };

  setHandler(defineQuery<MigrationStatus>(STATUS_QUERY), () => state.status, { description: STATUS_QUERY_DESCRIPTION });
  const handlers: Record<SignalName, (payload: unknown) => void> = {
    approveCutover: (p) => state.approve(p),
    rejectCutover: (p) => state.reject(p),
    pause: (p) => state.pause(p),
    resume: (p) => state.resume(p),
    rollback: (p) => state.rollback(p),
    endRetention: (p) => state.endRetention(p),
  };
  // Payloads stay `unknown` on the wire so a malformed signal from the Web UI is recorded and refused, not a decoding failure.
  for (const [name, handler] of Object.entries(handlers)) {
    setHandler(defineSignal<[unknown]>(name), handler, { description: SIGNALS[name as SignalName].description });
  }

  // A dead worker is noticed after one heartbeat timeout; a retry resumes from the last heartbeated cursor.
  const backfilling = proxyActivities<MigrationActivities>({
    startToCloseTimeout: '1 hour',
    heartbeatTimeout: input.heartbeatTimeoutMs,
    retry: retry(50, '1 second', '1 minute'),
  });

  function publishPhase(): void {
    if (!input.searchAttributes) return;
    // PAUSED is not a phase (the migration resumes where it was) but is what the Web UI and `reembed list` should show.
    upsertSearchAttributes([
      { key: phaseKey, value: state.paused ? 'PAUSED' : state.phase },
      { key: coverageKey, value: state.status.coverage },
    ]);
  }

  async function enter(phase: MigrationPhase, extra: Partial<MigrationStatus> = {}): Promise<void> {
    state.enter(phase, extra);
    publishPhase();
    await bookkeeping.recordPhase({ ...ref, phase });
  }

  const indexes = () => ({ ...ref, sourceIndex: state.status.sourceIndex!, targetIndex: state.status.targetIndex!, targetSpecId: input.targetSpecId });
  const now = () => new Date().toISOString();

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

  /** Runs an embedding activity; a provider misconfiguration pauses the migration until fixed and resumed, then runs it again. */
  async function fixable<T>(run: () => Promise<T>): Promise<T | typeof REJECTED> {
    for (;;) {
      await waitWhilePaused();
      if (state.rejected) return REJECTED;
      try {
        return await run();
      } catch (error) {
        const cause = error instanceof ActivityFailure ? error.cause : undefined;
        if (!(cause instanceof ApplicationFailure && cause.type === FAILURE_TYPES.providerConfig)) throw error;
        state.pauseForProvider(cause.message);
      }
    }
  }

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
  const rejectedNow = () => abandon('REJECTED', state.status.rejection!.reason);

  try {
    if (state.phase === 'PREPARING') {
      publishPhase();
      const prepared = await fixable(() => scanning.prepareMigration({ ...ref, targetSpecId: input.targetSpecId, force: input.force }));
      if (prepared === REJECTED) return await rejectedNow();
      state.prepared(prepared);
      await enter('BACKFILLING', { backfillStartedAt: now() });
    }

    if (state.phase === 'BACKFILLING') {
      while (state.needsHotFirst(input.hotFirstLimit)) {
        const hot = await fixable(() =>
          backfilling.backfillHot({ ...indexes(), limit: input.hotFirstLimit, batchSize: input.batchSize, tokenAllowance: state.tokenAllowance() }),
        );
        if (hot === REJECTED) return await rejectedNow();
        state.applyChunk(hot);
        if (!hot.budgetReached) state.hotFirstDone();
      }
      for (let run = 0; ; run++) {
        await waitWhilePaused();
        if (state.rejected) return await rejectedNow();
        // Continue-as-new carries the status, and with it the cursor.
        if (state.shouldContinueAsNew(run, input.activitiesPerRun, workflowInfo().continueAsNewSuggested))
          return await continueAsNew<typeof migrationWorkflow>(request, state.status);
        const { cursor, documents } = state.status;
        const chunk = await fixable(() =>
          backfilling.backfillChunk({
            ...indexes(),
            cursor,
            batchSize: input.batchSize,
            batches: input.batchesPerActivity,
            doneBefore: documents.migrated + documents.quarantined,
            total: documents.total,
            tokenAllowance: state.tokenAllowance(),
          }),
        );
        if (chunk === REJECTED) return await rejectedNow();
        state.applyChunk(chunk);
        if (chunk.done && !chunk.budgetReached) break;
      }
      await enter('CATCHING_UP', { backfillEndedAt: now() });
    }

    if (state.phase === 'CATCHING_UP') {
      // A writer whose cached registry predates dual-write may still have written only the
      // old index; once the staleness bound has passed since PREPARING, none can any more.
      const sinceStart = Date.now() - Date.parse(state.status.startedAt);
      if (sinceStart < input.writerStalenessMs) await sleep(input.writerStalenessMs - sinceStart);
      for (let next = 'again'; next !== 'done';) {
        const pass = await fixable(() => scanning.catchUpPass({ ...indexes(), tokenAllowance: state.tokenAllowance() }));
        if (pass === REJECTED) return await rejectedNow();
        next = state.applyCatchUp(pass);
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
      const decided = () => state.approved || state.rejected;
      const timeout = input.approvalTimeoutMs;
      if (timeout === null) await condition(decided);
      else if (!(await condition(decided, timeout))) state.approvalTimedOut(timeout);
      if (state.rejected) return await rejectedNow();
      await enter('GRACE_PERIOD', { graceEndsAt: new Date(Date.now() + input.graceMs).toISOString() });
    }

    if (state.phase === 'GRACE_PERIOD') {
      await condition(() => state.rejected, input.graceMs);
      if (state.rejected) return await rejectedNow();
      await enter('CUTOVER');
    }

    if (state.phase === 'CUTOVER') {
      await bookkeeping.cutover({ ...indexes(), approver: state.status.approval?.approver ?? 'unknown' });
      // Workflow time, not the activity's clock: the two differ under time skipping.
      await enter('RETENTION', { cutoverAt: now(), retentionEndsAt: new Date(Date.now() + input.retentionMs).toISOString() });
    }

    if (state.phase === 'RETENTION') {
      await condition(() => state.wantsRollback || state.wantsEndRetention, input.retentionMs);
      if (state.wantsRollback) {
        const { by = 'unknown', reason = '' } = state.status.rollback!;
        await bookkeeping.rollbackCutover({ ...indexes(), by, reason });
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
    // An activity's failure says only "Activity task failed"; what happened is its cause.
    const message = ((error instanceof ActivityFailure && error.cause) || (error as Error)).message ?? String(error);
    if (BEFORE_CUTOVER.has(state.phase)) await abandon('FAILED', message);
    else state.failed(message);
    throw ApplicationFailure.nonRetryable(`Migration of "${input.collection}" failed in ${state.status.phase}: ${message}`, FAILURE_TYPES.migrationFailed);
  }
}
