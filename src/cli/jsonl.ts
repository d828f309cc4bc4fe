import { z } from 'zod';
import { readJsonlRecords } from '../corpus/jsonl-file.js';
import { documentIdSchema, type WriteDocument } from '../writer/collection-writer.js';

/** Longer texts are refused: a model reads only its first few hundred tokens, and one line must not fill a bulk request. */
export const MAX_TEXT_CHARS = 1_000_000;
// C0 control characters other than tab, newline and carriage return: binary data, not text.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

const textSchema = z
  .string({ error: (issue) => (issue.input === undefined ? 'text is missing' : `text must be a string, not ${typeof issue.input}`) })
  .refine((t) => t.trim().length > 0, 'text is empty')
  .refine((t) => t.length <= MAX_TEXT_CHARS, {
    error: (issue) =>
      `text is ${String(issue.input).length.toLocaleString('en')} characters; at most ${MAX_TEXT_CHARS.toLocaleString('en')} (split long documents into passages)`,
  })
  .superRefine((t, ctx) => {
    const at = t.search(CONTROL);
    if (at !== -1)
      ctx.addIssue({
        code: 'custom',
        message: `text holds the control character U+${t.charCodeAt(at).toString(16).padStart(4, '0').toUpperCase()} at position ${at}`,
      });
  });

/** One line of an ingest file: `{"id": ..., "text": ..., "updatedAt"?: ISO date, ...metadata}`. */
const lineSchema = z
  .object({
    id: documentIdSchema,
    text: textSchema,
    updatedAt: z.iso.datetime({ offset: true, error: 'updatedAt must be an ISO date-time, e.g. 2026-01-31T12:00:00Z' }).optional(),
  })
  .catchall(z.unknown())
  .transform(({ id, text, updatedAt, ...metadata }): WriteDocument => ({
    id,
    text,
    ...(Object.keys(metadata).length > 0 ? { metadata } : {}),
    ...(updatedAt ? { updatedAt } : {}),
  }));

export type JsonlLine = { line: number; doc: WriteDocument } | { line: number; error: string };

/** Streams an ingest file; a bad line becomes an error entry with its line number, never a stop. */
export async function* readJsonl(file: string): AsyncGenerator<JsonlLine> {
  for await (const record of readJsonlRecords(file, lineSchema)) yield 'value' in record ? { line: record.line, doc: record.value } : record;
}
