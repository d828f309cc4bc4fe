import { ActivityFailure, ApplicationFailure, condition, ContinueAsNew, continueAsNew, isCancellation, log, patched, sleep } from '@temporalio/workflow';
import { FAILURES } from '../migration/failures.js';
import type { MigrationRequest } from '../migration/input.js';
import type { MigrationResult, MigrationStatus } from '../migration/status.js';
import { BEFORE_CUTOVER } from '../migration/phases.js';
import { gateMargin } from '../migration/quality-gate.js';
import { bookkeeping, scanning } from './activity-stubs.js';
import { backfillPartitions } from './partitioned-backfill.js';
import { backfillThroughBatches } from './batch-backfill.js';
import { MigrationRun, parseInput, REJECTED } from './migration-run.js';

/**
 * Moves one collection from its active model spec to a target spec with zero downtime:
 * prepare → backfill → catch-up → verify → wait for approval → grace period → cutover →
 * retention (rollback possible) → cleanup. The rules live in MigrationState; this function
 * is the order of the phases. Workflow id `reembed:<collection>`; continue-as-new resumes a
 * run in the phase (and at the cursor) the previous one handed over.
 */
export async function migrationWorkflow(request: MigrationRequest, resumeFrom?: MigrationStatus): Promise<MigrationResult> {
  const input = parseInput(request);
  const run = new MigrationRun(input, resumeFrom);
  const { state, ref } = run;
  const now = () => new Date().toISOString();

  try {
    if (state.phase === 'PREPARING') {
      run.publishPhase();
      const prepared = await run.fixable(() => scanning.prepareMigration({ ...ref, targetSpecId: input.targetSpecId, force: input.force }));
      if (prepared === REJECTED) return await run.rejected();
      state.prepared(prepared);
      await run.enter('BACKFILLING');
      state.backfillBegins();
    }

    if (state.phase === 'BACKFILLING') {
      while (state.needsHotFirst(input.hotFirstLimit)) {
        const hot = await run.fixable(() =>
          run.backfilling.backfillHot({ ...run.indexes(), limit: input.hotFirstLimit, batchSize: input.batchSize, tokenAllowance: state.tokenAllowance() }),
        );
        if (hot === REJECTED) return await run.rejected();
        state.applyChunk(hot);
        if (!hot.budgetReached) state.hotFirstDone();
      }
      // Migrations started before partitioning replay the single-cursor loop below.
      // A Batch API backfill is new in its input: no history without it replays this branch.
      const outcome = input.batchApi ? await backfillThroughBatches(run) : patched('partitioned-backfill') ? await backfillPartitions(run) : null;
      if (outcome === 'rejected') return await run.rejected();
      if (outcome === 'continue-as-new') return await continueAsNew<typeof migrationWorkflow>(request, state.status);
      for (let activities = 0; outcome === null; activities++) {
        await run.waitWhilePaused();
        if (state.rejected) return await run.rejected();
        // Continue-as-new carries the status, and with it the cursor.
        if (run.handOverDue(activities)) {
          return await continueAsNew<typeof migrationWorkflow>(request, state.status);
        }
        const { cursor, documents } = state.status;
        const chunk = await run.fixable(() =>
          run.backfilling.backfillChunk({
            ...run.indexes(),
            cursor,
            batchSize: input.batchSize,
            batches: input.batchesPerActivity,
            doneBefore: documents.migrated + documents.quarantined,
            total: documents.total,
            tokenAllowance: state.tokenAllowance(),
          }),
        );
        if (chunk === REJECTED) return await run.rejected();
        state.applyChunk(chunk);
        run.showDetails();
        if (chunk.done && !chunk.budgetReached) break;
      }
      await run.enter('CATCHING_UP', { backfillEndedAt: now() });
    }

    if (state.phase === 'CATCHING_UP') {
      // A writer whose cached registry predates dual-write may still have written only the
      // old index; once the staleness bound has passed since PREPARING, none can any more.
      const sinceStart = Date.now() - Date.parse(state.status.startedAt);
      if (sinceStart < input.writerStalenessMs) await sleep(input.writerStalenessMs - sinceStart);
      for (let next = 'again'; next !== 'done';) {
        const pass = await run.fixable(() => scanning.catchUpPass({ ...run.indexes(), tokenAllowance: state.tokenAllowance() }));
        if (pass === REJECTED) return await run.rejected();
        next = state.applyCatchUp(pass);
      }
      await run.enter('VERIFYING');
    }

    if (state.phase === 'VERIFYING') {
      // Migrations started before adapters existed replay without this step.
      if (patched('adapt-documents-without-text')) {
        const { sourceSpecId } = state.status;
        state.adapted(
          await scanning.adaptDocumentsWithoutText({
            ...run.indexes(),
            sourceSpecId: sourceSpecId!,
            minAdapterRecall: input.minAdapterRecall,
            maxDrop: gateMargin(input),
          }),
        );
      }
      // A red index pauses verification as it pauses a copy; migrations verified before that replay without it.
      const verify = () => scanning.verifyMigration(run.indexes());
      const report = patched('pause-verification') ? await run.fixable(verify) : await verify();
      if (report === REJECTED) return await run.rejected();
      state.verified(report);
      if (!report.ok) return await run.abandon('FAILED', `verification failed: ${report.problems.join('; ')}`);
      // Migrations started before the quality gate existed replay without it.
      if (patched('quality-gate')) {
        const gate = { maxDrop: gateMargin(input), minOverlap: input.minOverlap };
        state.evaluated(await scanning.evaluateQuality({ ...run.indexes(), sourceSpecId: state.status.sourceSpecId!, ...gate }));
        run.showDetails();
      }
      await run.enter('AWAITING_APPROVAL');
    }

    if (state.phase === 'AWAITING_APPROVAL') {
      const decided = () => state.approved || state.rejected;
      const timeout = input.approvalTimeoutMs;
      if (timeout === null) await condition(decided);
      else if (!(await condition(decided, timeout))) state.approvalTimedOut(timeout);
      if (state.rejected) return await run.rejected();
      await run.enter('GRACE_PERIOD', { graceEndsAt: new Date(Date.now() + input.graceMs).toISOString() });
    }

    if (state.phase === 'GRACE_PERIOD') {
      const graceOver = condition(() => state.rejected, input.graceMs);
      // Migrations started before the warm-up existed replay without it.
      if (state.status.quality && patched('quality-warmup')) await run.warmUp();
      await graceOver;
      if (state.rejected) return await run.rejected();
      await run.enter('CUTOVER');
    }

    if (state.phase === 'CUTOVER') {
      await bookkeeping.cutover({ ...run.indexes(), approver: state.status.approval?.approver ?? 'unknown' });
      // Workflow time, not the activity's clock: the two differ under time skipping.
      await run.enter('RETENTION', { cutoverAt: now(), retentionEndsAt: new Date(Date.now() + input.retentionMs).toISOString() });
      await run.captureCanaries();
    }

    if (state.phase === 'RETENTION') {
      await condition(() => state.wantsRollback || state.wantsEndRetention, input.retentionMs);
      if (state.wantsRollback) {
        const { by = 'unknown', reason = '' } = state.status.rollback!;
        await bookkeeping.rollbackCutover({ ...run.indexes(), by, reason });
        await run.captureCanaries();
        await run.deleteWhenUnused(run.indexes().targetIndex);
        state.enter('ROLLED_BACK');
      } else {
        await bookkeeping.finishMigration(run.indexes());
        await run.deleteWhenUnused(run.indexes().sourceIndex);
        state.enter('COMPLETED');
      }
      run.publishPhase();
    }
    log.info('migration ended', { collection: input.collection, phase: state.phase });
    return run.result();
  } catch (error) {
    if (error instanceof ContinueAsNew) throw error;
    if (isCancellation(error)) {
      if (BEFORE_CUTOVER.has(state.phase)) await run.abandon('FAILED', 'the migration workflow was cancelled');
      throw error;
    }
    // An activity's failure says only "Activity task failed"; what happened is its cause.
    const message = ((error instanceof ActivityFailure && error.cause) || (error as Error)).message ?? String(error);
    // Named before abandoning, which moves the migration to FAILED.
    const failedIn = state.phase;
    if (BEFORE_CUTOVER.has(failedIn)) await run.abandon('FAILED', message);
    else state.failed(message);
    throw ApplicationFailure.nonRetryable(`Migration of "${input.collection}" failed in ${failedIn}: ${message}`, FAILURES.migrationFailed.type);
  }
}
