import { once } from 'node:events';
import { createWriteStream, existsSync, mkdirSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { loadSotuPassages } from '../src/corpus/sotu.js';

const WORDS_PER_DOCUMENT = { min: 40, spread: 80 };

/**
 * The distinct words of the bundled State of the Union passages from 1990 to 2021, sorted: real words, so the
 * tokenizer (and everything else) does the work it does on real text.
 */
const VOCABULARY = [...new Set(loadSotuPassages({ fromYear: 1990, toYear: 2021 }).flatMap((d) => d.text.toLowerCase().match(/[a-z']+/g) ?? []))].sort();

/** Document `i` of the synthetic corpus: a fixed id and 40–119 words drawn by a PRNG seeded with `i`. */
export function syntheticDocument(i: number): { id: string; text: string } {
  let state = (i + 1) * 0x9e3779b1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>>= 0);
  };
  const words = Array.from({ length: WORDS_PER_DOCUMENT.min + (next() % WORDS_PER_DOCUMENT.spread) }, () => VOCABULARY[next() % VOCABULARY.length]);
  return { id: `syn-${String(i).padStart(9, '0')}`, text: words.join(' ') };
}

/** The first `docs` synthetic documents as a JSONL file, written once under the reembed cache. */
export async function syntheticCorpusFile(docs: number): Promise<string> {
  const dir = join(process.env.REEMBED_CACHE ?? join(homedir(), '.cache', 'reembed'), 'bench');
  const file = join(dir, `synthetic-${docs}.jsonl`);
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  const partial = `${file}.partial`;
  const out = createWriteStream(partial);
  for (let i = 0; i < docs; i++) {
    if (!out.write(`${JSON.stringify(syntheticDocument(i))}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  renameSync(partial, file);
  return file;
}
