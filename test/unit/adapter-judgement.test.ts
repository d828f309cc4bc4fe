import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { judgeOnAgreement, judgeOnLabels, type AdapterOutcome } from '../../src/adapter/adapter-judgement.js';

/** Twelve queries, each with one relevant document `r<i>`, ranked as `rank(i)` says. */
function outcomes(withRank: (i: number) => number | null, withoutRank: (i: number) => number | null): AdapterOutcome[] {
  const ranking = (i: number, rank: number | null) => Array.from({ length: 10 }, (_, r) => (r === rank ? `r${i}` : `filler-${i}-${r}`));
  return Array.from({ length: 12 }, (_, i) => ({
    query: `q${i}`,
    relevant: { [`r${i}`]: 1 },
    withIds: ranking(i, withRank(i)),
    withoutIds: ranking(i, withoutRank(i)),
  }));
}

describe('judging an adapter against its alternative', () => {
  it('uses an adapter that finds relevant documents the alternative cannot', () => {
    // Half the queries' relevant documents exist only through the adapter; the rest rank the same.
    const j = judgeOnLabels(
      outcomes(
        (i) => (i < 6 ? 2 : 0),
        (i) => (i < 6 ? null : 0),
      ),
      0.02,
      'without them',
    )!;
    assert.equal(j.basis, 'labels');
    assert.equal(j.labelled?.verdict, 'IMPROVEMENT');
    assert.equal(j.usable, true);
    assert.equal(j.labelled?.queries, 12);
    assert.ok(j.labelled!.ndcg10.with > j.labelled!.ndcg10.without);
    assert.equal(j.labelled?.recall10.without, 0.5);
    assert.match(j.reason, /^on 12 labelled queries nDCG@10 is 0\.\d{3} with the adapter against 0\.500 without them .*IMPROVEMENT, so it is used$/);
  });

  it('refuses an adapter that loses to its alternative, saying why', () => {
    // The adapted documents push every relevant document from the top rank to the ninth.
    const j = judgeOnLabels(
      outcomes(
        () => 8,
        () => 0,
      ),
      0.02,
      'without them',
    )!;
    assert.equal(j.labelled?.verdict, 'REGRESSION');
    assert.equal(j.usable, false);
    assert.match(j.reason, /REGRESSION, so it is not used \(it must be no worse than its alternative within the 2% margin\)$/);
  });

  it('leaves the decision to agreement when no query is labelled', () => {
    assert.equal(judgeOnLabels([], 0.02, 'without them'), null);
    const agreement = judgeOnAgreement(0.62, 0.9, 'agreement');
    assert.equal(agreement.usable, false);
    assert.match(
      agreement.reason,
      /agreement with the re-embedded top 10 on held-out documents is 0\.620, below the required 0\.9; the collection has no labelled golden queries/,
    );
    const override = judgeOnAgreement(0.62, 0.5, 'override');
    assert.equal(override.usable, true);
    assert.match(override.reason, /reaching the required 0\.5; the minimum was set explicitly \(--min-adapter-recall\)/);
  });
});
