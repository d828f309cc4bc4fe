import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { documentIdSchema, writeDocumentSchema, type WriteDocument } from '../writer/collection-writer.js';

/** One line of an ingest file: `{"id": ..., "text": ..., ...metadata}`. */
const lineSchema = z
  .object({ id: documentIdSchema, text: z.string().trim().min(1, 'text is empty') })
  .catchall(z.unknown())
  .transform(({ id, text, updatedAt, ...metadata }) =>
    writeDocumentSchema.parse({ id, text, ...(Object.keys(metadata).length > 0 ? { metadata } : {}), ...(typeof updatedAt === 'string' ? { updatedAt } : {}) }),
  );

export type JsonlLine = { line: number; doc: WriteDocument } | { line: number; error: string };

/** Streams a JSONL file; a bad line becomes an error entry with its line number, never a stop. */
export async function* readJsonl(file: string): AsyncGenerator<JsonlLine> {
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.trim() === '') continue;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      yield { line, error: `not JSON (${(error as Error).message})` };
      continue;
    }
    const parsed = lineSchema.safeParse(json);
    yield parsed.success
      ? { line, doc: parsed.data }
      : { line, error: parsed.error.issues.map((i) => `${i.path.join('.') || 'line'}: ${i.message}`).join('; ') };
  }
}
