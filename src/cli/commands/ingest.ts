import { z } from 'zod';
import type { WriteDocument } from '../../writer/collection-writer.js';
import { defineCommand, nameSchema, validate } from '../command.js';
import type { CliContext } from '../context.js';
import { readJsonl } from '../jsonl.js';
import { ProgressBar } from '../progress-bar.js';

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
  /** Lines whose id an earlier line had: the later line replaced it (the last one wins). */
  readonly duplicates: { line: number; id: string; firstLine: number }[];
}

/** Creates the collection on first use and upserts every valid line of a JSONL file. */
export async function ingestFile(ctx: CliContext, o: IngestOptions, quiet = false): Promise<IngestReport> {
  const writer = (await ctx.connected()).writer();
  const record = await writer.createCollection(o.collection, o.specId, { storeContent: o.storeContent });
  if (record.activeSpecId !== o.specId && !record.writeTargets.some((t) => t.specId === o.specId)) {
    throw new Error(
      `Collection "${o.collection}" is served by ${record.activeSpecId}, not ${o.specId}; writes always use the collection's own specs. Drop --spec or migrate the collection.`,
    );
  }
  const stored = new Set<string>();
  const firstLine = new Map<string, number>();
  const report: IngestReport = { written: 0, badLines: [], failed: [], duplicates: [] };
  const bar = quiet ? null : new ProgressBar(`ingesting into ${o.collection}`);
  // By id: a repeated id still waiting in the batch is replaced there, so one request never carries both.
  let batch = new Map<string, WriteDocument>();
  let seen = 0;
  const flush = async () => {
    if (batch.size === 0) return;
    const result = await writer.upsert(o.collection, [...batch.values()]);
    const failed = new Set(result.failed.map((f) => f.id));
    for (const id of batch.keys()) if (!failed.has(id)) stored.add(id);
    report.failed.push(...result.failed);
    batch = new Map();
    bar?.update(stored.size, seen);
  };
  for await (const entry of readJsonl(o.file)) {
    seen++;
    if ('error' in entry) {
      report.badLines.push(entry);
      continue;
    }
    const id = String(entry.doc.id);
    const earlier = firstLine.get(id);
    if (earlier === undefined) firstLine.set(id, entry.line);
    else report.duplicates.push({ line: entry.line, id, firstLine: earlier });
    batch.delete(id);
    batch.set(id, entry.doc);
    if (batch.size >= o.batchSize) await flush();
  }
  await flush();
  bar?.finish();
  return { ...report, written: stored.size };
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
    for (const d of report.duplicates) console.error(`  line ${d.line}: id ${d.id} repeats line ${d.firstLine}; this line replaced it`);
    for (const b of report.badLines) console.error(`  line ${b.line}: skipped: ${b.error}`);
    for (const f of report.failed) console.error(`  document ${f.id}: not written: ${f.reason}`);
    if (report.badLines.length + report.failed.length > 0) process.exitCode = 2;
  },
});
