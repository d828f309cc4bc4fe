import { z } from 'zod';
import { readJsonlRecords } from '../corpus/jsonl-file.js';
import { documentIdSchema, writeDocumentSchema, type WriteDocument } from '../writer/collection-writer.js';

/** One line of an ingest file: `{"id": ..., "text": ..., ...metadata}`. */
const lineSchema = z
  .object({ id: documentIdSchema, text: z.string().trim().min(1, 'text is empty') })
  .catchall(z.unknown())
  .transform(({ id, text, updatedAt, ...metadata }) =>
    writeDocumentSchema.parse({ id, text, ...(Object.keys(metadata).length > 0 ? { metadata } : {}), ...(typeof updatedAt === 'string' ? { updatedAt } : {}) }),
  );

export type JsonlLine = { line: number; doc: WriteDocument } | { line: number; error: string };

/** Streams an ingest file; a bad line becomes an error entry with its line number, never a stop. */
export async function* readJsonl(file: string): AsyncGenerator<JsonlLine> {
  for await (const record of readJsonlRecords(file, lineSchema)) yield 'value' in record ? { line: record.line, doc: record.value } : record;
}
