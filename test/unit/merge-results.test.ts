import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { coverageWeightedMerge, overlapAtK, reciprocalRankFusion, RRF_K, type RankedHit } from '../../src/search/merge-results.js';

const hits = (index: string, ...pairs: [string, number][]): RankedHit[] => pairs.map(([id, score]) => ({ id, score, index, specId: index }));
const OLD = hits('old', ['a', 0.9], ['b', 0.8], ['c', 0.7]);
const NEW = hits('new', ['b', 0.95], ['d', 0.9], ['a', 0.5]);

describe('reciprocal-rank fusion', () => {
  it('sums 1/(k+rank) across lists and de-duplicates by id', () => {
    const fused = reciprocalRankFusion([OLD, NEW], 10);
    assert.deepEqual(
      fused.map((h) => h.id),
      ['b', 'a', 'd', 'c'],
    );
    assert.equal(fused[0]!.score, 1 / (RRF_K + 2) + 1 / (RRF_K + 1));
    assert.equal(fused.find((h) => h.id === 'c')!.score, 1 / (RRF_K + 3));
    assert.equal(new Set(fused.map((h) => h.id)).size, fused.length);
  });

  it('ignores raw scores, so a model with larger scores cannot dominate', () => {
    const loud = hits('new', ['x', 1000], ['y', 999]);
    const quiet = hits('old', ['y', 0.2], ['x', 0.1]);
    const fused = reciprocalRankFusion([quiet, loud], 2);
    assert.equal(fused[0]!.score, fused[1]!.score);
  });

  it('cuts to k', () => {
    assert.equal(reciprocalRankFusion([OLD, NEW], 2).length, 2);
  });
});

describe('coverage-weighted merge', () => {
  it('follows the old index early and the new one late', () => {
    assert.deepEqual(
      coverageWeightedMerge(OLD, NEW, 0, 3).map((h) => h.id),
      ['a', 'b', 'c'],
    );
    assert.deepEqual(
      coverageWeightedMerge(OLD, NEW, 1, 3).map((h) => h.id),
      ['b', 'd', 'a'],
    );
  });

  it('sums the weighted scores of a document both indexes return, reporting the new copy', () => {
    const merged = coverageWeightedMerge(OLD, NEW, 0.5, 4);
    const b = merged.find((h) => h.id === 'b')!;
    assert.ok(Math.abs(b.score - (0.8 * 0.5 + 0.95 * 0.5)) < 1e-12);
    assert.equal(b.index, 'new');
    assert.equal(merged.find((h) => h.id === 'c')!.index, 'old');
    assert.deepEqual(
      merged.map((h) => h.id),
      ['b', 'a', 'd', 'c'],
    );
  });

  it('includes documents only the new index has', () => {
    assert.ok(coverageWeightedMerge(OLD, NEW, 0.6, 3).some((h) => h.id === 'd' && h.index === 'new'));
  });
});

describe('overlap at k', () => {
  it('is the shared share of two top-k lists', () => {
    assert.equal(overlapAtK(OLD, NEW, 3), 2 / 3);
    assert.equal(overlapAtK(OLD, OLD, 3), 1);
    assert.equal(overlapAtK(OLD, hits('n', ['z', 1]), 1), 0);
  });
});
