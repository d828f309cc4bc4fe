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
  readonly written: number;
  readonly badLines: { line: number; error: string }[];
  readonly failed: { id: string; reason: string }[];
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
  let written = 0;
  const report: IngestReport = { written: 0, badLines: [], failed: [] };
  const bar = quiet ? null : new ProgressBar(`ingesting into ${o.collection}`);
  let batch: WriteDocument[] = [];
  let seen = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const result = await writer.upsert(o.collection, batch);
    written += result.written;
    report.failed.push(...result.failed);
    batch = [];
    bar?.update(written, seen);
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
    console.log(`Ingested ${report.written} document(s) into ${collection}.`);
    for (const b of report.badLines) console.error(`  line ${b.line}: skipped: ${b.error}`);
    for (const f of report.failed) console.error(`  document ${f.id}: not written: ${f.reason}`);
    if (report.badLines.length + report.failed.length > 0) process.exitCode = 2;
  },
});
