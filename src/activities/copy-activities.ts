import { goneFromSource } from '../migration/write-ordering.js';
import { activityInfo, heartbeat } from '@temporalio/activity';
import type { ModelSpec } from '../embedding/model-spec.js';
import { coverage } from '../migration/coverage.js';
import { hostname } from 'node:os';
import type { CatchUpReport, ChunkReport, MigrationIndexes, PartitionProgress } from '../migration/reports.js';
import { byteOrder, partitionBoundaries, partitionRanges, plannedPartitions } from '../migration/partitions.js';
import { coverageRecorded } from '../migration/registry-transitions.js';
import { AccessStats } from '../search/access-stats.js';
import type { QuarantineEntry } from '../store/quarantine.js';
import { CopyPipeline, EMPTY_REPORT, withBatch } from './copy-pipeline.js';
import type { MigrationDeps } from './deps.js';
import { keepingAlive, settled } from './async-work.js';
import { compareIndexes } from './index-comparison.js';
import { assertMigrationIndexesAvailable } from './index-availability.js';

/** Which worker process ran an activity, as partition progress shows it. */
const WORKER_PROCESS = `${hostname()}:${process.pid}`;
/** Ids drawn at random to cut the source into partitions. */
const PARTITION_SAMPLE = 10_000;

/** Documents one catch-up step reads and re-embeds at a time. */
const CATCH_UP_BATCH = 500;

/** Backfill, hot-first and catch-up: the activities that embed and write documents. */
export function createCopyActivities(deps: MigrationDeps) {
  const { catalog, store, registry, quarantine } = deps;
  const pipeline = new CopyPipeline(deps);

  /** The next page after `after` (within the partition), read once with its text, and what of it the target lacks. */
  async function readPage(input: MigrationIndexes & { batchSize: number; upTo: string | null }, after: string | null) {
    const page = await store.scan(input.sourceIndex, after, input.batchSize, true, input.upTo);
    if (page.length === 0) return null;
    const pending = await pipeline.pendingOfPage(input, page);
    return { pending, last: page[page.length - 1]!.id, full: page.length === input.batchSize };
  }

  /**
   * Up to `batches` batches after the report's cursor, overlapped: while one batch is
   * embedded (the CPU or the API), the next page is read and the previous batch is written.
   * `written` receives the report once each batch is written (the caller heartbeats it), so
   * a retry resumes after the last written batch and never skips one.
   */
  async function backfillPipelined(
    input: MigrationIndexes & { batchSize: number; batches: number; tokenAllowance: number | null; upTo: string | null },
    spec: ModelSpec,
    start: ChunkReport,
    written: (report: ChunkReport) => void,
  ): Promise<ChunkReport> {
    let report = start;
    // Documents the hot-first pass (or live dual-writes) already put there are skipped by pendingInTarget.
    let next = report.done ? Promise.resolve(null) : settled(readPage(input, report.cursor));
    let writing: Promise<void> = Promise.resolve();
    let tokensSent = report.tokens;
    for (let b = 0; b < input.batches; b++) {
      const page = await next;
      if (!page) {
        await writing;
        return { ...report, done: true };
      }
      if (await pipeline.overAllowance(spec, page.pending.docs, tokensSent, input.tokenAllowance)) {
        await writing;
        return { ...report, budgetReached: true };
      }
      next = page.full && b + 1 < input.batches ? settled(readPage(input, page.last)) : Promise.resolve(null);
      const embedded = await pipeline.embed(spec, page.pending);
      tokensSent += embedded.tokens;
      await writing;
      writing = settled(
        pipeline.write(input, spec, embedded).then((batch) => {
          report = {
            ...withBatch(report, batch),
            alreadyPresent: (report.alreadyPresent ?? 0) + page.pending.alreadyPresent,
            cursor: page.last,
            done: !page.full,
          };
          written(report);
        }),
      );
      if (!page.full) break;
    }
    await writing;
    return report;
  }

  return {
    /**
     * Cuts the source into up to `count` doc_id ranges of about equal size, at the quantiles
     * of a random sample of its ids, and counts each range. A partition is resumable from its
     * own cursor: no point-in-time or scroll that could expire while a worker is down.
     */
    async planPartitions(input: MigrationIndexes & { count: number }): Promise<PartitionProgress[]> {
      await store.refresh(input.sourceIndex);
      const total = await store.count(input.sourceIndex);
      const sample = input.count > 1 && total > 0 ? await store.sample(input.sourceIndex, Math.min(total, PARTITION_SAMPLE), 11) : [];
      const bounds = partitionBoundaries(sample.map((d) => d.id).sort(byteOrder), input.count);
      const documents = await Promise.all(partitionRanges(bounds).map(({ lower, upper }) => store.countBetween(input.sourceIndex, lower, upper)));
      return plannedPartitions(bounds, documents);
    },

    /**
     * Copies up to `batches` batches after `cursor`, heartbeating the cursor after each.
     * A retry after a crash resumes from the last heartbeat; re-written documents keep
     * their ids, so nothing is duplicated.
     */
    async backfillChunk(
      input: MigrationIndexes & {
        cursor: string | null;
        /** The partition's last doc_id (inclusive); null or absent: to the end. */
        upTo?: string | null;
        batchSize: number;
        batches: number;
        doneBefore: number;
        total: number;
        tokenAllowance: number | null;
      },
    ): Promise<ChunkReport> {
      const spec = catalog.get(input.targetSpecId);
      await assertMigrationIndexesAvailable(deps, input);
      const resumed = activityInfo().heartbeatDetails as ChunkReport | undefined;
      let report: ChunkReport = resumed ?? { ...EMPTY_REPORT, cursor: input.cursor };
      await keepingAlive(
        () => report,
        async () => {
          // The keep-alive heartbeats `report` too: it must see every written batch, or it
          // would send an older cursor over the newer one.
          report = await backfillPipelined({ ...input, upTo: input.upTo ?? null }, spec, report, (written) => {
            report = written;
            heartbeat(written);
          });
        },
      );
      // One partition done is not the source done: only the single-cursor backfill may say 1.
      const covered =
        report.done && input.upTo === undefined
          ? 1
          : coverage({ total: input.total, migrated: input.doneBefore + report.migrated, quarantined: report.quarantined });
      await registry.apply(input.collection, coverageRecorded(input.workflowId, covered));
      return { ...report, executedBy: WORKER_PROCESS };
    },

    /**
     * Copies the most-searched documents first (from the router's access statistics), so
     * the part of the corpus users actually see is in the new index early. Heartbeats its
     * position; the regular backfill then skips what this pass copied.
     */
    async backfillHot(input: MigrationIndexes & { limit: number; batchSize: number; tokenAllowance: number | null }): Promise<ChunkReport> {
      const spec = catalog.get(input.targetSpecId);
      await assertMigrationIndexesAvailable(deps, input);
      const hot = await AccessStats.hottest(deps.es, input.collection, input.limit);
      const resumed = activityInfo().heartbeatDetails as (ChunkReport & { offset: number }) | undefined;
      let report = resumed ?? { ...EMPTY_REPORT, offset: 0 };
      await keepingAlive(
        () => report,
        async () => {
          for (let offset = report.offset; offset < hot.length; offset += input.batchSize) {
            const batch = await pipeline.copyPending(input, spec, hot.slice(offset, offset + input.batchSize), report.tokens, input.tokenAllowance);
            if (!batch) {
              report = { ...report, budgetReached: true };
              return;
            }
            report = { ...withBatch(report, batch), offset: offset + input.batchSize };
            heartbeat(report);
          }
        },
      );
      const { offset: _offset, ...chunk } = report;
      return { ...chunk, cursor: null, done: !report.budgetReached };
    },

    /**
     * One pass that makes the target agree with the source: documents missing or with a
     * different text hash are re-embedded, documents gone from the source are deleted.
     * Quarantined documents whose text has not changed are left alone.
     */
    async catchUpPass(input: MigrationIndexes & { tokenAllowance: number | null }): Promise<CatchUpReport> {
      const spec = catalog.get(input.targetSpecId);
      await assertMigrationIndexesAvailable(deps, input);
      const known = await quarantine.hashes(input.workflowId);
      const { stale, extra } = await compareIndexes(store, input, known);
      let reembedded = 0;
      let tokens = 0;
      let truncated = 0;
      let budgetReached = false;
      const newlyQuarantined: QuarantineEntry[] = [];
      await keepingAlive(
        () => ({ reembedded }),
        async () => {
          for (let i = 0; i < stale.length; i += CATCH_UP_BATCH) {
            const result = await pipeline.copyPending(input, spec, stale.slice(i, i + CATCH_UP_BATCH), tokens, input.tokenAllowance);
            if (!result) {
              budgetReached = true;
              return;
            }
            reembedded += result.written;
            tokens += result.tokens;
            truncated += result.truncated;
            newlyQuarantined.push(...result.quarantined);
            heartbeat({ reembedded });
          }
        },
      );
      // Target version first, then the source: a document a writer re-created meanwhile is kept.
      const inTarget = await store.getMany(input.targetIndex, extra, false);
      const inSource = await store.getMany(input.sourceIndex, [...inTarget.keys()], false);
      const gone = goneFromSource(inTarget, inSource);
      const { superseded } = await store.deleteDocuments(input.targetIndex, gone.ids, { guard: gone.guard });
      const deleted = gone.ids.length - superseded.length;
      const stillBad = new Set(newlyQuarantined.map((q) => q.docId));
      await quarantine.remove(
        input.workflowId,
        stale.filter((id) => known.has(id) && !stillBad.has(id)),
      );
      return { reembedded, deleted, quarantined: newlyQuarantined.length, tokens, truncated, budgetReached };
    },
  };
}
