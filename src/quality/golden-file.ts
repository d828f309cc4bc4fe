import { readFile } from 'node:fs/promises';
import { z } from 'zod';

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
  (await readFile(file, 'utf8')).split(/\r?\n/).forEach((text, i) => {
    if (text.trim() === '') return;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      badLines.push({ line: i + 1, error: `not JSON (${(error as Error).message})` });
      return;
    }
    const parsed = goldenQuerySchema.safeParse(json);
    if (parsed.success) queries.push(parsed.data);
    else badLines.push({ line: i + 1, error: parsed.error.issues.map((issue) => `${issue.path.join('.') || 'line'}: ${issue.message}`).join('; ') });
  });
  return { queries, badLines };
}
