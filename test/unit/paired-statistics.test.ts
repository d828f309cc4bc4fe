import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  bootstrapInterval,
  comparePaired,
  halfWidth95,
  quantile,
  queriesToDecide,
  signFlipPValue,
  standardDeviation,
} from '../../src/migration/paired-statistics.js';

/** A fixed, irregular set of differences (no generator shared with the code under test). */
const spread = (n: number) => Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 0.3 + 0.01);

describe('paired statistics', () => {
  it('enumerates the sign-flip test exactly for small sets (hand-counted patterns)', () => {
    // [1,2,3]: only +++ and −−− reach |sum| = 6 of the 8 patterns.
    assert.equal(signFlipPValue([1, 2, 3]), 2 / 8);
    // Five equal gains: only all-plus and all-minus reach |sum| = 0.5 of 32 patterns.
    assert.equal(signFlipPValue([0.1, 0.1, 0.1, 0.1, 0.1]), 2 / 32);
    // A mean of 0 is as extreme as every pattern.
    assert.equal(signFlipPValue([1, -1]), 1);
    // ±1 ± 1 ± 2 reaches |sum| = 4 only with every sign alike.
    assert.equal(signFlipPValue([1, 1, 2]), 2 / 8);
  });

  it('estimates the sign-flip test by Monte Carlo for larger sets, never 0', () => {
    const p = signFlipPValue(Array.from({ length: 30 }, () => 0.2));
    assert.ok(p > 0 && p < 0.001, `p ${p}`);
    const balanced = Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? 0.2 : -0.2));
    assert.ok(signFlipPValue(balanced) > 0.99);
  });

  it('bootstraps the interval of the mean: degenerate for equal values, the quartiles of {0, ½, 1} for [0, 1]', () => {
    assert.deepEqual(bootstrapInterval([0.5, 0.5, 0.5]), [0.5, 0.5]);
    // Resampled means of [0, 1] are 0, 0.5 or 1 with chances ¼, ½, ¼: the 2.5% and 97.5% points are 0 and 1.
    assert.deepEqual(bootstrapInterval([0, 1]), [0, 1]);
  });

  it('gives an interval near mean ± 1.96·sd/√n for a large sample', () => {
    const diffs = spread(400);
    const c = comparePaired(diffs);
    const half = halfWidth95(c.sd, diffs.length);
    assert.ok(Math.abs(c.ci95[0] - (c.delta - half)) < 0.15 * half, `${c.ci95[0]} vs ${c.delta - half}`);
    assert.ok(Math.abs(c.ci95[1] - (c.delta + half)) < 0.15 * half, `${c.ci95[1]} vs ${c.delta + half}`);
    assert.ok(c.ci95[0] < c.delta && c.delta < c.ci95[1]);
  });

  it('is deterministic: the same differences always give the same figures', () => {
    const diffs = spread(57);
    assert.deepEqual(comparePaired(diffs), comparePaired([...diffs]));
  });

  it('computes quantiles as numpy does and the sample standard deviation', () => {
    assert.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
    assert.equal(quantile([1, 2, 3, 4, 5], 0.25), 2);
    assert.equal(quantile([10, 20], 0.975), 19.75);
    assert.equal(standardDeviation([2, 4, 4, 4, 5, 5, 7, 9]), Math.sqrt(32 / 7));
    assert.equal(standardDeviation([3]), 0);
  });

  it('says how many queries would put a difference clearly on one side of a threshold', () => {
    // (1.96 · 0.18 / 0.01)² = 1244.6…
    assert.equal(queriesToDecide(0.18, 0, -0.01), 1245);
    assert.equal(queriesToDecide(0.18, -0.03, -0.01), 312);
    assert.equal(queriesToDecide(0.18, -0.01, -0.01), null, 'a difference on the threshold is never decided');
    assert.throws(() => comparePaired([]), /at least one query/);
  });
});
