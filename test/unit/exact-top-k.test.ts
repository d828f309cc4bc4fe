import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { latencySummary, percentile } from '../../src/migration/latency.js';
import { ExactTopK } from '../../src/quality/exact-top-k.js';

const DOCS: [string, number[]][] = [
  ['a', [1, 0.1]],
  ['b', [0, 1]],
  ['c', [-1, 0]],
  ['d', [3, 1.5]],
  ['e', [0.5, -0.5]],
];

function topOf(similarity: 'cosine' | 'dot_product' | 'l2_norm', query: number[], k: number): string[] {
  const exact = new ExactTopK([query], k, similarity);
  for (const [id, v] of DOCS) exact.add(id, v);
  return exact.topIds(0);
}

describe('exact top-k (the ground truth of ANN recall)', () => {
  it('ranks by cosine, by dot product and by Euclidean distance as Elasticsearch does', () => {
    // cos to [1,0]: a 0.995, d 0.894, e 0.707, b 0, c -1.
    assert.deepEqual(topOf('cosine', [1, 0], 3), ['a', 'd', 'e']);
    // dot with [1,0]: d 3, a 1, e 0.5 — length counts.
    assert.deepEqual(topOf('dot_product', [1, 0], 3), ['d', 'a', 'e']);
    // squared distance to [0,0.9]: b 0.01, a 1.64, c 1.81, e 2.21.
    assert.deepEqual(topOf('l2_norm', [0, 0.9], 3), ['b', 'a', 'c']);
  });

  it('keeps each query its own k best in one pass over the vectors', () => {
    const exact = new ExactTopK(
      [
        [1, 0],
        [0, 1],
      ],
      2,
      'cosine',
    );
    for (const [id, v] of DOCS) exact.add(id, v);
    assert.deepEqual(exact.topIds(0), ['a', 'd']);
    assert.deepEqual(exact.topIds(1), ['b', 'd']);
  });

  it('returns fewer than k ids when the index holds fewer vectors', () => {
    const exact = new ExactTopK([[1, 0]], 10, 'cosine');
    exact.add('only', [1, 1]);
    assert.deepEqual(exact.topIds(0), ['only']);
  });
});

describe('latency summary', () => {
  it('takes nearest-rank percentiles', () => {
    const ms = Array.from({ length: 20 }, (_, i) => 20 - i);
    assert.equal(
      percentile(
        [...ms].sort((a, b) => a - b),
        50,
      ),
      10,
    );
    assert.deepEqual(latencySummary(ms), { p50Ms: 10, p95Ms: 19 });
    assert.deepEqual(latencySummary([4.26]), { p50Ms: 4.3, p95Ms: 4.3 });
  });
});
