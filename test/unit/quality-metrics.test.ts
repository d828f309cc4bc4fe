import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mean, mrrAt, ndcgAt, overlapAt, recallAt } from '../../src/migration/retrieval-metrics.js';

const close = (actual: number | null, expected: number) => assert.ok(actual !== null && Math.abs(actual - expected) < 1e-9, `${actual} ≠ ${expected}`);

describe('retrieval metrics (hand-computed)', () => {
  // Judged: a=3, b=2, c=1, d=0 (judged irrelevant), e=1 (never retrieved).
  const judgements = { a: 3, b: 2, c: 1, d: 0, e: 1 };

  it('nDCG@k uses linear gain and the ideal ranking of every judged document', () => {
    // DCG = 2/log2(2) + 0/log2(3) + 3/log2(4) + 1/log2(5) = 2 + 1.5 + 0.430677 = 3.930677
    // IDCG (3, 2, 1, 1) = 3 + 2/log2(3) + 1/2 + 1/log2(5) = 3 + 1.261860 + 0.5 + 0.430677 = 5.192536
    close(ndcgAt(10, ['b', 'd', 'a', 'c'], judgements), (2 + 3 / 2 + 1 / Math.log2(5)) / (3 + 2 / Math.log2(3) + 0.5 + 1 / Math.log2(5)));
    close(ndcgAt(10, ['a', 'b', 'c', 'e'], judgements), 1);
    close(ndcgAt(1, ['b', 'a'], judgements), 2 / 3);
    assert.equal(ndcgAt(10, ['x', 'y'], judgements), 0);
    assert.equal(ndcgAt(10, ['a'], { d: 0 }), null, 'no relevant judgement: the query is not scored');
  });

  it('recall@k counts the relevant documents found in the top k', () => {
    close(recallAt(10, ['b', 'd', 'a', 'c'], judgements), 3 / 4);
    close(recallAt(2, ['b', 'd', 'a', 'c'], judgements), 1 / 4);
    assert.equal(recallAt(10, ['a'], {}), null);
  });

  it('MRR@k is the reciprocal rank of the first relevant document', () => {
    close(mrrAt(10, ['d', 'x', 'c'], judgements), 1 / 3);
    assert.equal(mrrAt(2, ['d', 'x', 'c'], judgements), 0);
  });

  it('overlap@k is the share of shared ids in the two top-k lists', () => {
    close(overlapAt(10, ['a', 'b', 'c', 'd'], ['d', 'c', 'x', 'y']), 2 / 4);
    close(overlapAt(2, ['a', 'b', 'c'], ['b', 'a', 'z']), 1);
    assert.equal(overlapAt(10, [], []), 1);
  });

  it('means skip unscorable queries', () => {
    close(mean([1, null, 0.5]), 0.75);
    assert.equal(mean([null]), null);
  });
});
