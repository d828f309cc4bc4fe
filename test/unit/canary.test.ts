import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  canaryInputSchema,
  canaryThreshold,
  canaryVerdict,
  driftReport,
  healthProblems,
  type CanaryComparison,
  type CollectionHealth,
} from '../../src/canary/canary.js';
import { cosine } from '../../src/embedding/vector-math.js';

const healthy: Omit<CollectionHealth, 'problems'> = {
  activeIndex: 'c__a__1',
  aliasTargets: ['c__a__1'],
  indexExists: true,
  documents: 100,
  previousDocuments: 100,
  mappingDims: 384,
  specDims: 384,
};
const same = { captured: 'f1', now: 'f1', capturedAt: '2026-11-27T00:00:00Z' };
const comparisons = (...cosines: number[]): CanaryComparison[] => cosines.map((c, i) => ({ id: `c${i}`, source: 'fixed', cosine: c }));

describe('canary verdict', () => {
  it('cosine is 1 for the same direction, 0 for orthogonal or mismatched lengths', () => {
    assert.equal(cosine([1, 2, 3], [2, 4, 6]), 1);
    assert.equal(cosine([1, 0], [0, 1]), 0);
    assert.equal(cosine([1, 0], [1, 0, 0]), 0);
  });

  it('local specs are held to float rounding, APIs to 0.99, and a spec may set its own', () => {
    assert.equal(canaryThreshold({ provider: 'transformers' }), 0.9999);
    assert.equal(canaryThreshold({ provider: 'openai' }), 0.99);
    assert.equal(canaryThreshold({ provider: 'openai', canaryMinCosine: 0.97 }), 0.97);
  });

  it('lists the canaries below the threshold lowest first, at most ten', () => {
    const drift = driftReport(comparisons(1, 0.2, 0.99995, ...Array(12).fill(0.5)), 0.9999, same);
    assert.equal(drift.driftedCount, 13);
    assert.equal(drift.drifted.length, 10);
    assert.equal(drift.drifted[0]!.cosine, 0.2);
    assert.equal(drift.minCosine, 0.2);
  });

  it('OK within the threshold; DRIFTED below it or when the spec changed; UNHEALTHY outranks both', () => {
    const health = { ...healthy, problems: healthProblems(healthy, 0.1) };
    assert.deepEqual(health.problems, []);
    assert.equal(canaryVerdict(driftReport(comparisons(1, 0.99999), 0.9999, same), health).status, 'OK');
    const drifted = canaryVerdict(driftReport(comparisons(1, 0.9), 0.9999, same), health);
    assert.equal(drifted.status, 'DRIFTED');
    assert.match(drifted.summary, /1 of 2 canaries moved below cosine 0.9999 \(lowest 0.9000\)/);
    const respecced = canaryVerdict(driftReport(comparisons(1), 0.9999, { ...same, now: 'f2' }), health);
    assert.equal(respecced.status, 'DRIFTED');
    assert.match(respecced.summary, /fingerprint changed .*f1 → f2/);
    const moved = { ...healthy, aliasTargets: ['c__b__2'] };
    assert.equal(canaryVerdict(driftReport(comparisons(0.1), 0.9999, same), { ...moved, problems: healthProblems(moved, 0.1) }).status, 'UNHEALTHY');
  });

  it('names each health problem', () => {
    assert.match(healthProblems({ ...healthy, aliasTargets: [] }, 0.1)[0]!, /the alias serves no index/);
    assert.match(healthProblems({ ...healthy, indexExists: false, documents: null, mappingDims: null }, 0.1)[0]!, /does not exist/);
    assert.match(healthProblems({ ...healthy, mappingDims: 768 }, 0.1)[0]!, /maps vectors of 768 dimensions, the active spec embeds 384/);
    assert.match(healthProblems({ ...healthy, documents: 89 }, 0.1)[0]!, /holds 89 documents, 11.0% fewer than the 100/);
    assert.deepEqual(healthProblems({ ...healthy, documents: 91 }, 0.1), []);
    assert.deepEqual(healthProblems({ ...healthy, documents: 5, previousDocuments: null }, 0.1), []);
  });

  it('rejects bad input with the field named', () => {
    const parsed = canaryInputSchema.safeParse({ collection: 'Bad Name', minCosine: 2 });
    assert.equal(parsed.success, false);
    const paths = parsed.error!.issues.map((i) => i.path.join('.'));
    assert.deepEqual(paths.sort(), ['collection', 'minCosine']);
  });
});
