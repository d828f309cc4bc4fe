import type { WriteDocument } from '../../writer/collection-writer';
import type { CliContext } from '../context';
import { readJsonl } from '../jsonl';
import { ProgressBar } from '../progress-bar';

export interface IngestOptions {
  readonly collection: string;
  readonly specId: string;
  readonly file: string;
  readonly storeContent: boolean;
  readonly batchSize: number;
}

export interface IngestReport {
  readonly written: number;
  readonly badLines: { line: number; error: string }[];
  readonly failed: { id: string; reason: string }[];
}

/** Creates the collection on first use and upserts every valid line of a JSONL file. */
export async function ingestCommand(ctx: CliContext, o: IngestOptions, quiet = false): Promise<IngestReport> {
  const writer = await ctx.writer();
  const record = await writer.createCollection(o.collection, o.specId, { storeContent: o.storeContent });
  if (record.activeSpecId !== o.specId && !record.writeTargets.some((t) => t.specId === o.specId)) {
    throw new Error(`Collection "${o.collection}" is served by ${record.activeSpecId}, not ${o.specId}; writes always use the collection's own specs. Drop --model or migrate the collection.`);
  }
  const report: IngestReport = { written: 0, badLines: [], failed: [] };
  const bar = quiet ? null : new ProgressBar(`ingesting into ${o.collection}`);
  let batch: WriteDocument[] = [];
  let seen = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const result = await writer.upsert(o.collection, batch);
    (report as { written: number }).written += result.written;
    report.failed.push(...result.failed);
    batch = [];
    bar?.update(report.written, seen);
  };
  for await (const entry of readJsonl(o.file)) {
    seen++;
    if ('error' in entry) {
      report.badLines.push(entry);
      continue;
    }
    batch.push(entry.doc);
    if (batch.length >= o.batchSize) await flush();
  }
  await flush();
  bar?.finish();
  return report;
}
