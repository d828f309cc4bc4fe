import { z } from 'zod';
import { readJsonlRecords } from '../corpus/jsonl-file.js';

/**
 * One golden query: labelled (`relevant`: document id → grade ≥ 1; a list means grade 1
 * each) or unlabelled (the query alone, compared old against new by overlap).
 */
export const goldenQuerySchema = z
  .object({
    query: z.string().trim().min(1, 'query is empty'),
    relevant: z
      .union([
        z.record(z.string().min(1), z.number().min(1, 'grades are at least 1 (higher is more relevant)')),
        z.array(z.string().min(1)).transform((ids) => Object.fromEntries(ids.map((id) => [id, 1]))),
      ])
      .refine((r) => Object.keys(r).length > 0, 'relevant lists no document; leave it out for an unlabelled query')
      .optional(),
  })
  .strict();
export type GoldenQuery = z.output<typeof goldenQuerySchema>;

export interface GoldenFile {
  readonly queries: GoldenQuery[];
  readonly badLines: { readonly line: number; readonly error: string }[];
}

/** Parses a golden-query JSONL file whole: every bad line is reported with its number. */
export async function readGoldenFile(file: string): Promise<GoldenFile> {
  const queries: GoldenQuery[] = [];
  const badLines: { line: number; error: string }[] = [];
  for await (const record of readJsonlRecords(file, goldenQuerySchema)) {
    if ('value' in record) queries.push(record.value);
    else badLines.push(record);
  }
  return { queries, badLines };
}
