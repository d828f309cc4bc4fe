import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { z } from 'zod';

export type JsonlRecord<T> = { line: number; value: T } | { line: number; error: string };

/**
 * Streams a JSONL file, each non-blank line parsed as JSON and validated by `schema`; a bad
 * line becomes an error entry with its line number (counted from 1, blank lines included),
 * never a stop.
 */
export async function* readJsonlRecords<S extends z.ZodType>(file: string, schema: S): AsyncGenerator<JsonlRecord<z.output<S>>> {
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
    const parsed = schema.safeParse(json);
    yield parsed.success
      ? { line, value: parsed.data }
      : { line, error: parsed.error.issues.map((i) => `${i.path.join('.') || 'line'}: ${i.message}`).join('; ') };
  }
}
