import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GoldenQuery } from '../quality/golden-file.js';
import type { SourceDocument } from './source-document.js';

/** A corpus with queries judged by people: what a quality gate is measured on. */
export interface LabelledCorpus {
  readonly documents: SourceDocument[];
  readonly queries: GoldenQuery[];
}

const FILES = ['lee.cor', 'lee_background.cor', 'similarities0-1.txt'] as const;

/**
 * The grade of a pair from its mean human rating: the ratings (1 = highly unrelated …
 * 5 = highly related) are stored divided by 5, so a mean that rounds to 3 ("somewhat
 * related") is grade 1, to 4 grade 2, to 5 grade 3; below that, not relevant.
 */
export const leeGrade = (similarity: number) => Math.max(0, Math.round(similarity * 5) - 2);

/**
 * The Lee corpus (Lee, Pincombe & Welsh 2005) from the gensim wheel's test data, which
 * `npm run setup` extracts: 50 Australian news documents whose 1,225 pairs were rated by
 * people, and 300 background documents from the same source. Each of the 50 documents is a
 * query; its relevant documents are the other 49 graded by `leeGrade`. The query's own
 * document is in the collection too and ranks first for both models: an equal, unjudged hit.
 */
export function loadLeeCorpus(datasetsDir: string): LabelledCorpus {
  const dir = join(datasetsDir, 'lee');
  const missing = FILES.filter((f) => !existsSync(join(dir, f)));
  if (missing.length > 0)
    throw new Error(`The Lee corpus is not in ${dir} (missing ${missing.join(', ')}): run \`npm run setup\`, or set REEMBED_DATASETS_DIR.`);
  // The files are Latin-1 (a few pound signs).
  const lines = (file: string) =>
    readFileSync(join(dir, file), 'latin1')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.length > 0);
  const lee = lines('lee.cor');
  const background = lines('lee_background.cor');
  const ratings = lines('similarities0-1.txt').map((row) => row.split(/\s+/).map(Number));
  if (lee.length !== 50 || ratings.length !== 50 || ratings.some((r) => r.length !== 50 || r.some(Number.isNaN))) {
    throw new Error(`${dir} does not hold the Lee corpus as expected (50 documents and a 50×50 rating matrix): run \`npm run setup\` again.`);
  }
  const id = (i: number) => `lee-${String(i + 1).padStart(2, '0')}`;
  const documents: SourceDocument[] = [
    ...lee.map((text, i) => ({ id: id(i), text, metadata: { set: 'lee' } })),
    ...background.map((text, i) => ({ id: `lee-bg-${String(i + 1).padStart(3, '0')}`, text, metadata: { set: 'background' } })),
  ];
  const queries = lee.map((text, i): GoldenQuery => {
    // Only the upper triangle is filled: the rating of (i, j) is at [min][max].
    const graded = lee.map((_, j) => [id(j), j === i ? 0 : leeGrade(ratings[Math.min(i, j)]![Math.max(i, j)]!)] as const).filter(([, g]) => g > 0);
    return graded.length > 0 ? { query: text, relevant: Object.fromEntries(graded) } : { query: text };
  });
  return { documents, queries };
}
