import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/env.js';
import { leeGrade, loadLeeCorpus } from '../../src/corpus/lee.js';
import { loadSotuPassages } from '../../src/corpus/sotu.js';

describe('bundled State of the Union corpus', () => {
  it('cuts speeches into passages with stable, unique ids', () => {
    const docs = loadSotuPassages({ fromYear: 2019, toYear: 2021 });
    assert.ok(docs.length > 50);
    assert.equal(new Set(docs.map((d) => d.id)).size, docs.length);
    assert.deepEqual(new Set(docs.map((d) => d.metadata.year)), new Set([2019, 2020, 2021]));
    const again = loadSotuPassages({ fromYear: 2019, toYear: 2021 });
    assert.deepEqual(
      again.map((d) => d.id),
      docs.map((d) => d.id),
    );
  });

  it('keeps passages near the requested length', () => {
    const docs = loadSotuPassages({ fromYear: 2021, toYear: 2021, wordsPerPassage: 60 });
    const words = docs.slice(0, -1).map((d) => d.text.split(/\s+/).length);
    assert.ok(
      words.every((w) => w >= 60 && w < 200),
      `passage lengths ${words.join(',')}`,
    );
  });

  it('rejects an empty year range', () => {
    assert.throws(() => loadSotuPassages({ fromYear: 2020, toYear: 2001 }), /fromYear must not be after toYear/);
  });
});

describe('the Lee corpus (human similarity ratings from the gensim wheel)', () => {
  it('grades a pair by its mean rating rounded on the 1–5 scale: 3 → 1, 4 → 2, 5 → 3, below 3 not relevant', () => {
    assert.deepEqual([0.2, 0.48, 0.5, 0.68, 0.7, 0.88, 0.9, 1].map(leeGrade), [0, 0, 1, 1, 2, 2, 3, 3]);
  });

  it('turns each of the 50 rated documents into a query judged against the other 49', () => {
    const lee = loadLeeCorpus(loadConfig().datasetsDir);
    assert.equal(lee.documents.length, 350);
    assert.equal(lee.queries.length, 50);
    lee.queries.forEach((q, i) => {
      assert.equal(q.query, lee.documents[i]!.text);
      assert.ok(!q.relevant || !(lee.documents[i]!.id in q.relevant), 'a query never judges its own document');
    });
    assert.equal(lee.queries.filter((q) => q.relevant).length, 48);
  });

  it('says to run the setup when the data set is missing', () => {
    assert.throws(() => loadLeeCorpus('/nonexistent'), /The Lee corpus is not in \/nonexistent\/lee .*run `npm run setup`/);
  });
});
