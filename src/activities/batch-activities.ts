import { heartbeat } from '@temporalio/activity';
import { OpenAIBatchApi, type BatchView } from '../embedding/openai-batch-api.js';
import type { OpenAISpec } from '../embedding/openai-provider.js';
import { openAITokenCounter } from '../embedding/token-counter.js';
import type { BatchCollection, BatchPoll, BatchSubmission } from '../migration/batch-reports.js';
import { FAILURES } from '../migration/failures.js';
import { MAX_QUARANTINE_SAMPLE, type MigrationIndexes } from '../migration/reports.js';
import type { BatchRange } from '../migration/status.js';
import { readBatchResults } from './batch-results.js';
import { BatchRequestFile, type FileFull } from './batch-request-file.js';
import { CopyPipeline, vectorDocument } from './copy-pipeline.js';
import type { MigrationDeps } from './deps.js';
import { fatal } from './fatal.js';
import { assertMigrationIndexesAvailable } from './index-availability.js';

/** Source documents read per page while filling or collecting a batch. */
const PAGE = 1000;

/**
 * The Batch API backfill's activities. Each is short: submitting (fill a file from the source,
 * upload it, create the batch — or find the batch a crashed attempt created), polling, cancelling
 * and collecting (download the results, write the vectors). The workflow waits between them on
 * durable timers, so no activity stays open while OpenAI works.
 */
export function createBatchActivities(deps: MigrationDeps) {
  const { catalog, store, quarantine, config } = deps;
  const pipeline = new CopyPipeline(deps);
  const tokenizer = openAITokenCounter();
  const apis = new Map<string, OpenAIBatchApi>();

  function openAISpec(specId: string): OpenAISpec {
    const spec = catalog.get(specId);
    if (spec.provider !== 'openai') {
      throw fatal(FAILURES.invalidInput, `--batch-api needs an OpenAI spec; ${spec.id} is embedded by ${spec.provider}.`);
    }
    return spec;
  }

  function api(spec: OpenAISpec): OpenAIBatchApi {
    let found = apis.get(spec.id);
    if (!found) apis.set(spec.id, (found = new OpenAIBatchApi(config.openai.deployments[0]!, spec.id)));
    return found;
  }

  /** The source documents of a range the target lacks, page by page, with the guard to write them under. */
  async function* pendingPages(input: MigrationIndexes, range: { after: string | null; upTo: string | null }) {
    const skip = await quarantine.hashes(input.workflowId);
    for (let after = range.after; ;) {
      const page = await store.scan(input.sourceIndex, after, PAGE, true, range.upTo);
      if (page.length === 0) return;
      after = page[page.length - 1]!.id;
      const pending = await pipeline.pendingOfPage(input, page);
      // A document quarantined with its current text stays there; it is not sent again.
      yield { ...pending, docs: pending.docs.filter((d) => skip.get(d.id) !== d.sourceHash), page, last: after };
    }
  }

  const poll = (view: BatchView): BatchPoll => {
    const counts = view.request_counts ?? { completed: 0, failed: 0 };
    const errors = (view.errors?.data ?? []).map((e) => e.message ?? e.code).filter(Boolean);
    return { state: view.status, linesDone: counts.completed, linesFailed: counts.failed, ...(errors.length ? { note: errors.join('; ') } : {}) };
  };

  return {
    /**
     * Fills one request file from `range` (documents the target lacks, one line per distinct
     * text) and submits it as a batch whose metadata names the migration and the chunk. A
     * retry first looks for that batch: a worker killed after creating it never creates a second.
     */
    async submitEmbeddingBatch(
      input: MigrationIndexes & { range: BatchRange; chunk: number; partition: string; enqueuedTokens: number; tokenAllowance: number | null; since: string },
    ): Promise<BatchSubmission> {
      const spec = openAISpec(input.targetSpecId);
      await assertMigrationIndexesAvailable(deps, input);
      const metadata = { reembed_migration: input.workflowId, reembed_chunk: String(input.chunk) };
      const earlier = await api(spec).find(metadata, Math.floor(Date.parse(input.since) / 1000) - 60);
      if (earlier) return recovered(earlier, input.chunk, input.range);

      const queueRoom = config.batchApi.enqueuedTokens - input.enqueuedTokens;
      const room =
        input.tokenAllowance !== null && input.tokenAllowance < queueRoom
          ? { tokens: input.tokenAllowance, by: 'budget' as const }
          : { tokens: queueRoom, by: 'queue' as const };
      const file = new BatchRequestFile(spec, tokenizer, config.batchApi, room);
      let full: FileFull | null = null;
      for await (const { docs, page } of pendingPages(input, input.range)) {
        const lacking = new Set(docs.map((d) => d.id));
        for (const doc of page) {
          full = lacking.has(doc.id) ? file.take(doc) : null;
          if (full) break;
          file.last = doc.id;
        }
        heartbeat({ documents: file.documents });
        if (full) break;
      }
      await quarantine.add(input.collection, input.workflowId, file.quarantined);
      const counts = {
        last: file.last,
        rangeDone: full === null,
        quarantined: file.quarantined.length,
        quarantineSample: file.quarantined.slice(0, MAX_QUARANTINE_SAMPLE).map((q) => ({ id: q.docId, reason: q.reason })),
        truncated: file.truncated,
        inputsSaved: file.inputsSaved,
      };
      const stoppedBy = full === 'queue' || full === 'budget' ? { stoppedBy: full } : {};
      if (file.lines === 0) return { batch: null, ...counts, ...stoppedBy };
      const fileId = await api(spec).upload(`reembed-${input.collection}-${input.chunk}.jsonl`, file.content);
      const range = { after: input.range.after, last: file.last! };
      const created = await api(spec).create(fileId, {
        ...metadata,
        reembed_partition: input.partition,
        reembed_after: range.after ?? '',
        reembed_last: range.last,
        reembed_lines: String(file.lines),
        reembed_documents: String(file.documents),
        reembed_tokens: String(file.tokens),
        reembed_saved: String(file.inputsSaved),
        reembed_truncated: String(file.truncated),
      });
      const { note } = poll(created);
      return {
        batch: {
          id: created.id,
          chunk: input.chunk,
          range,
          state: created.status,
          lines: file.lines,
          documents: file.documents,
          tokens: file.tokens,
          ...(note ? { note } : {}),
        },
        ...counts,
        ...stoppedBy,
      };
    },

    async pollEmbeddingBatch(input: { targetSpecId: string; batchId: string }): Promise<BatchPoll> {
      return poll(await api(openAISpec(input.targetSpecId)).retrieve(input.batchId));
    },

    /** Cancels running batches (pause, reject): OpenAI keeps what it finished, the rest is submitted again on resume. */
    async cancelEmbeddingBatches(input: { targetSpecId: string; batchIds: readonly string[] }): Promise<Record<string, BatchPoll>> {
      const batches = api(openAISpec(input.targetSpecId));
      const out: Record<string, BatchPoll> = {};
      for (const id of input.batchIds) {
        // A batch that ended meanwhile cannot be cancelled; what it is now is what counts.
        out[id] = poll(await batches.cancel(id).catch(() => batches.retrieve(id)));
      }
      return out;
    },

    /**
     * Writes an ended batch's vectors to the documents of its range whose text is still the
     * one submitted, under the usual write guard. A 400 line quarantines its documents; any
     * other failed line goes through the synchronous API; lines the batch never ran are counted
     * so the workflow submits them again. Idempotent: a retry rewrites nothing newer.
     */
    async collectEmbeddingBatch(input: MigrationIndexes & { batchId: string; range: { after: string | null; last: string } }): Promise<BatchCollection> {
      const spec = openAISpec(input.targetSpecId);
      await assertMigrationIndexesAvailable(deps, input);
      const view = await api(spec).retrieve(input.batchId);
      const results = await readBatchResults(api(spec), view, spec);
      const report = { written: 0, quarantined: 0, quarantineSample: [] as { id: string; reason: string }[], syncTokens: 0, changed: 0 };
      for await (const { docs, guard } of pendingPages(input, { after: input.range.after, upTo: input.range.last })) {
        const withVector = docs.filter((d) => results.vectors.has(d.sourceHash));
        const invalid = docs.filter((d) => results.invalid.has(d.sourceHash));
        const again = docs.filter((d) => results.failed.has(d.sourceHash) || (results.wholeBatchFailed && !results.vectors.has(d.sourceHash)));
        report.changed += docs.length - withVector.length - invalid.length - again.length;
        const documents = withVector.map((d) => vectorDocument(d, results.vectors.get(d.sourceHash)!));
        const quarantined = invalid.map((d) => ({ docId: d.id, sourceHash: d.sourceHash, reason: results.invalid.get(d.sourceHash)! }));
        const written = await pipeline.write(input, spec, { documents, quarantined, guard, tokens: 0, truncated: 0, inputsSaved: 0 });
        const sync = again.length > 0 ? await pipeline.write(input, spec, await pipeline.embed(spec, { docs: again, guard, alreadyPresent: 0 })) : null;
        report.written += written.written + (sync?.written ?? 0);
        report.syncTokens += sync?.tokens ?? 0;
        for (const q of [...quarantined, ...(sync?.quarantined ?? [])]) {
          report.quarantined++;
          if (report.quarantineSample.length < MAX_QUARANTINE_SAMPLE) report.quarantineSample.push({ id: q.docId, reason: q.reason });
        }
        heartbeat({ written: report.written });
      }
      const unfinished = results.unfinished;
      // Documents not written because a line never ran are not "changed": they go again.
      return {
        ...report,
        changed: Math.max(0, report.changed - unfinished),
        batchTokens: results.tokens,
        linesDone: results.vectors.size,
        linesFailed: results.invalid.size + results.failed.size,
        unfinished,
      };
    },
  };
}

/** A submission rebuilt from the metadata of the batch a crashed attempt created. */
function recovered(batch: BatchView, chunk: number, range: BatchRange): BatchSubmission {
  const m = batch.metadata ?? {};
  const last = m.reembed_last!;
  return {
    batch: {
      id: batch.id,
      chunk,
      range: { after: range.after, last },
      state: batch.status,
      lines: Number(m.reembed_lines),
      documents: Number(m.reembed_documents),
      tokens: Number(m.reembed_tokens),
    },
    last,
    rangeDone: range.upTo !== null && last === range.upTo,
    // Documents without text that attempt quarantined are in the quarantine index, where verification counts them.
    quarantined: 0,
    quarantineSample: [],
    truncated: Number(m.reembed_truncated ?? 0),
    inputsSaved: Number(m.reembed_saved ?? 0),
  };
}
