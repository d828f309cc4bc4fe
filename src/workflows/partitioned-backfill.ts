import type { ChunkReport } from '../migration/reports.js';
import { scanning } from './activity-stubs.js';
import { REJECTED, type MigrationRun } from './migration-run.js';

export type BackfillOutcome = 'done' | 'rejected' | 'continue-as-new';

/**
 * The backfill across partitions: up to `parallelism` partition activities at once, each
 * copying a few batches of its doc_id range from its own cursor; any worker polling the task
 * queue takes any of them, and a retry (another worker, after a crash) resumes from the
 * partition's heartbeated cursor. When the run has done its share of activities it lets the
 * running ones finish and hands over (continue-as-new carries every partition's cursor).
 */
export async function backfillPartitions(run: MigrationRun): Promise<BackfillOutcome> {
  const { state, input } = run;
  if (!state.status.partitions) state.partitioned(await scanning.planPartitions({ ...run.indexes(), count: input.parallelism }));
  const running = new Map<number, Promise<void>>();
  let rejected = false;
  for (let activities = 0; ;) {
    await run.waitWhilePaused();
    if (state.rejected) rejected = true;
    const handOver = run.handOverDue(activities);
    if (!rejected && !handOver) {
      for (const index of state.partitionsToStart(new Set(running.keys()), input.parallelism)) {
        activities++;
        const partition = state.status.partitions![index]!;
        const { documents } = state.status;
        const chunk = run.fixable(() =>
          run.backfilling.backfillChunk({
            ...run.indexes(),
            cursor: partition.cursor,
            upTo: partition.upper,
            batchSize: input.batchSize,
            batches: input.batchesPerActivity,
            doneBefore: documents.migrated + documents.quarantined,
            total: documents.total,
            tokenAllowance: state.tokenAllowance(),
          }),
        );
        running.set(
          index,
          chunk.then((report: ChunkReport | typeof REJECTED) => {
            running.delete(index);
            if (report === REJECTED) rejected = true;
            else {
              state.applyPartitionChunk(index, report);
              run.showDetails();
            }
          }),
        );
      }
    }
    if (running.size === 0) {
      if (rejected) return 'rejected';
      if (state.partitionsDone) return 'done';
      if (handOver) return 'continue-as-new';
      continue;
    }
    await Promise.race(running.values());
  }
}
