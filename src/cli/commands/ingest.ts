import { z } from 'zod';
import type { WriteDocument } from '../../writer/collection-writer.js';
import { defineCommand, nameSchema, validate } from '../command.js';
import type { CliContext } from '../context.js';
import { readJsonl } from '../jsonl.js';
import { ProgressBar } from '../progress-bar.js';
import { SeenIds } from '../seen-ids.js';

const usage = `reembed ingest <collection> --spec <specId> --file <docs.jsonl> [--no-content] [--batch-size 64]
  Creates the collection on first use (its first index, read alias and registry record) and
  upserts every valid line: {"id": "...", "text": "...", "updatedAt": "optional", ...metadata}.
  Lines that cannot be stored are reported with their numbers; the exit code is then 2.
  --no-content stores vectors without their text (privacy mode: such a collection cannot be re-embedded).
  (--model and --batch are older names of --spec and --batch-size.)`;

export interface IngestOptions {
  readonly collection: string;
  readonly specId: string;
  readonly file: string;
  readonly storeContent: boolean;
  readonly batchSize: number;
}

export interface IngestReport {
  /** Distinct documents stored. */
  readonly written: number;
  readonly badLines: { line: number; error: string }[];
  readonly failed: { id: string; reason: string }[];
  /**
   * Lines whose id an earlier line of the file had: the later line replaced it (the last one
   * wins). `firstLine` is known when both lines fell into one batch; memory stays bounded
   * because earlier batches keep no line numbers.
   */
  readonly duplicates: { line: number; id: string; firstLine?: number }[];
}

/**
 * Creates the collection on first use and upserts every valid line of a JSONL file, in
 * memory bounded by the batch size: the file is streamed, and ids read are kept only in a
 * fixed-size filter. A repeat the filter suspects is confirmed by the active index holding
 * the id from a write of this run.
 */
export async function ingestFile(ctx: CliContext, o: IngestOptions, quiet = false): Promise<IngestReport> {
  const services = await ctx.connected();
  const writer = services.writer();
  const record = await writer.createCollection(o.collection, o.specId, { storeContent: o.storeContent });
  if (record.activeSpecId !== o.specId && !record.writeTargets.some((t) => t.specId === o.specId)) {
    throw new Error(
      `Collection "${o.collection}" is served by ${record.activeSpecId}, not ${o.specId}; writes always use the collection's own specs. Drop --spec or migrate the collection.`,
    );
  }
  const runStartedAt = Date.now();
  const seenIds = new SeenIds();
  let written = 0;
  const report: IngestReport = { written: 0, badLines: [], failed: [], duplicates: [] };
  const bar = quiet ? null : new ProgressBar(`ingesting into ${o.collection}`);
  // By id: a repeated id still waiting in the batch is replaced there, so one request never carries both.
  // `suspectLine`: the batch's first line with the id, when the filter says an earlier batch may have had it.
  let batch = new Map<string, { doc: WriteDocument; line: number; suspectLine: number | null }>();
  let seen = 0;
  const flush = async () => {
    if (batch.size === 0) return;
    const suspects = [...batch].flatMap(([id, entry]) => (entry.suspectLine !== null ? [id] : []));
    const earlier = await services.store.getMany(record.activeIndex, suspects, false);
    const repeats = new Set(suspects.filter((id) => Date.parse(earlier.get(id)?.embeddedAt ?? '') >= runStartedAt));
    for (const id of repeats) report.duplicates.push({ line: batch.get(id)!.suspectLine!, id });
    const result = await writer.upsert(
      o.collection,
      [...batch.values()].map((e) => e.doc),
    );
    const failed = new Set(result.failed.map((f) => f.id));
    for (const id of batch.keys()) if (!failed.has(id) && !repeats.has(id)) written++;
    report.failed.push(...result.failed);
    batch = new Map();
    bar?.update(written, seen);
  };
  for await (const entry of readJsonl(o.file)) {
    seen++;
    if ('error' in entry) {
      report.badLines.push(entry);
      continue;
    }
    const id = String(entry.doc.id);
    const maybeSeen = seenIds.add(id);
    const inBatch = batch.get(id);
    if (inBatch) report.duplicates.push({ line: entry.line, id, firstLine: inBatch.line });
    batch.delete(id);
    batch.set(id, { doc: entry.doc, line: entry.line, suspectLine: inBatch ? inBatch.suspectLine : maybeSeen ? entry.line : null });
    if (batch.size >= o.batchSize) await flush();
  }
  await flush();
  bar?.finish();
  return { ...report, written };
}

export const command = defineCommand({
  usage,
  options: { spec: { type: 'string' }, file: { type: 'string' }, 'no-content': { type: 'boolean' }, 'batch-size': { type: 'string', default: '64' } },
  positionals: ['collection'],
  renamed: { '--model': '--spec', '--batch': '--batch-size' },
  async run(ctx, { values, positionals }) {
    const o = validate(z.object({ spec: nameSchema, file: nameSchema, 'batch-size': z.coerce.number().int().min(1).max(1024) }), values, 'ingest');
    const collection = positionals[0]!;
    const report = await ingestFile(ctx, { collection, specId: o.spec, file: o.file, storeContent: !values['no-content'], batchSize: o['batch-size'] });
    const replaced = report.duplicates.length;
    console.log(
      `Ingested ${report.written} document(s) into ${collection}${replaced ? `; ${replaced} line(s) repeated an earlier id and replaced it (the last one wins)` : ''}.`,
    );
    for (const d of report.duplicates)
      console.error(`  line ${d.line}: id ${d.id} repeats ${d.firstLine ? `line ${d.firstLine}` : 'an earlier line'}; this line replaced it`);
    for (const b of report.badLines) console.error(`  line ${b.line}: skipped: ${b.error}`);
    for (const f of report.failed) console.error(`  document ${f.id}: not written: ${f.reason}`);
    if (report.badLines.length + report.failed.length > 0) process.exitCode = 2;
  },
});
