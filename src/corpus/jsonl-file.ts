import { createReadStream } from 'node:fs';
import type { z } from 'zod';

export type JsonlRecord<T> = { line: number; value: T } | { line: number; error: string };

/** The lines of a file as raw bytes, split on \n (a trailing \r dropped), streamed in bounded memory. */
async function* byteLines(file: string): AsyncGenerator<Buffer> {
  let rest = Buffer.alloc(0);
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    let data = rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk;
    for (let nl = data.indexOf(10); nl !== -1; nl = data.indexOf(10)) {
      yield data.subarray(0, nl > 0 && data[nl - 1] === 13 ? nl - 1 : nl);
      data = data.subarray(nl + 1);
    }
    rest = Buffer.from(data);
  }
  if (rest.length > 0) yield rest;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Streams a JSONL file, each non-blank line parsed as JSON and validated by `schema`; a bad
 * line becomes an error entry with its line number (counted from 1, blank lines included),
 * never a stop. Lines are decoded strictly: invalid UTF-8 is reported, not replaced by U+FFFD.
 */
export async function* readJsonlRecords<S extends z.ZodType>(file: string, schema: S): AsyncGenerator<JsonlRecord<z.output<S>>> {
  let line = 0;
  for await (const bytes of byteLines(file)) {
    line++;
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      yield { line, error: 'not valid UTF-8 (save the file as UTF-8)' };
      continue;
    }
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
