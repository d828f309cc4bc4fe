import { condition } from '@temporalio/workflow';
import type { BackfillOutcome } from './partitioned-backfill.js';
import { bookkeeping } from './activity-stubs.js';
import { REJECTED, type MigrationRun } from './migration-run.js';

/**
 * The backfill through the OpenAI Batch API (`--batch-api`). Each round: look at the open
 * batches (short polls), write the output of those that ended, submit new batches while the
 * organisation's queue and the budget have room, then sleep on a durable timer that a pause
 * or a rejection cuts short. A batch's id is in the workflow's history as soon as the
 * submission returns, before any wait; a pause cancels the running batches, and resuming
 * collects what they finished and submits the rest again. Continue-as-new carries the ledger.
 * Submitting and collecting run as backfill activities: a dead worker is noticed after one
 * heartbeat timeout, and the retry finds the batch it created (or rewrites nothing newer).
 */
export async function backfillThroughBatches(run: MigrationRun): Promise<BackfillOutcome> {
  const { state, input } = run;
  const ledger = state.batches;
  for (let activities = 0; ;) {
    // A budget pause leaves batches that fit the budget running; any other pause stops spending now.
    if (state.paused && state.status.pausedBy !== 'budget') await run.cancelBatches();
    await run.waitWhilePaused();
    if (state.rejected) return 'rejected';
    if (run.handOverDue(activities)) return 'continue-as-new';

    for (const batch of ledger.open) {
      activities++;
      ledger.polled(batch.id, await bookkeeping.pollEmbeddingBatch({ targetSpecId: input.targetSpecId, batchId: batch.id }));
    }
    for (const batch of ledger.ended) {
      activities++;
      const collected = await run.fixable(() => run.backfilling.collectEmbeddingBatch({ ...run.indexes(), batchId: batch.id, range: batch.range }));
      if (collected === REJECTED) return 'rejected';
      ledger.collected(batch.id, collected);
    }
    for (let range = ledger.nextRange; range && !state.paused && !state.rejected; range = ledger.nextRange) {
      activities++;
      const chunk = ledger.nextChunk;
      const submitted = await run.fixable(() =>
        run.backfilling.submitEmbeddingBatch({
          ...run.indexes(),
          range,
          chunk,
          // The main scan of the source is partition 0; a resubmission names the batch whose unfinished lines it carries.
          partition: range.upTo === null ? '0' : `resubmits:${range.upTo}`,
          enqueuedTokens: ledger.enqueuedTokens,
          tokenAllowance: state.tokenAllowance(state.status.batchPricePerMillionTokens),
          since: state.status.startedAt,
        }),
      );
      if (submitted === REJECTED) return 'rejected';
      ledger.submitted(range, submitted);
      if (submitted.stoppedBy === 'budget' && !submitted.batch && ledger.open.length === 0) state.pauseAtBudget();
      if (submitted.stoppedBy) break;
    }
    run.showDetails();
    if (ledger.done) return 'done';
    await condition(() => state.paused || state.rejected, input.batchPollMs);
  }
}
