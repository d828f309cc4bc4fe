import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
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
