import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadLeeCorpus } from '../../src/corpus/lee.js';
import type { MigrationStatus } from '../../src/migration/contract.js';
import { mean, ndcgAt } from '../../src/migration/retrieval-metrics.js';
import { QuerySample } from '../../src/search/query-sample.js';
import { MigrationFixture } from '../helpers/migration-fixture.js';

const SOURCE = 'minilm-l6-v2';
const TARGET = 'minilm-l6-v2-cls';
const TOPICS = ['jobs and the economy', 'health care costs', 'the war in Iraq', 'taxes on families', 'schools and teachers', 'energy and climate'];

/** The quality gate on real migrations: golden queries run against the old and the new index. */
describe('quality gate before approval', () => {
  let fx: MigrationFixture;
  before(async () => {
    fx = await MigrationFixture.create();
    await fx.startWorker();
  });
  after(async () => fx.close());

  async function migrate(collection: string, minQuality?: number, targetSpecId = TARGET): Promise<MigrationStatus> {
    await fx.client.startMigration({ collection, targetSpecId, graceMs: 0, ...(minQuality ? { minQuality } : {}) });
    return fx.client.waitForPhase(collection, ['AWAITING_APPROVAL'], { timeoutMs: 180_000 });
  }

  it('finds a regression, refuses an approval that does not acknowledge it, then accepts one that does', async () => {
    const collection = await fx.seedCollection(40);
    const source = (await fx.registry.get(collection)).activeIndex;
    // Labels from the old model's own top 3: the old index scores nDCG@10 = 1 by construction,
    // and a different vector space cannot reproduce every ranking.
    const provider = await fx.services.providers.get(fx.catalog.get(SOURCE));
    const queries = [];
    for (const query of TOPICS) {
      const hits = await fx.store.knnSearch(source, (await provider.embed([query], 'query')).vectors[0]!, 3);
      queries.push({ query, relevant: Object.fromEntries(hits.map((h, i) => [h.id, 3 - i])) });
    }
    await fx.services.golden.add(collection, [...queries, { query: 'an unlabelled question about trade' }], 'file');

    const waiting = await migrate(collection, 0.99);
    const quality = waiting.quality!;
    assert.equal(quality.verdict, 'REGRESSION', quality.reason);
    assert.deepEqual(quality.queries, { labelled: TOPICS.length, unlabelled: 1 });
    assert.ok(Math.abs(quality.old!.ndcg10! - 1) < 1e-9);
    assert.ok(quality.new!.ndcg10! < 0.99);
    assert.ok(quality.overlap10! >= 0 && quality.overlap10! < 1);
    assert.ok(quality.worstQueries.length > 0 && quality.worstQueries.every((q) => q.newNdcg10 < q.oldNdcg10));
    // 40 documents: the kNN search visits them all, so it should match the exact top 10.
    assert.ok(quality.annRecall10 !== null && quality.annRecall10 >= 0.9 && quality.annRecall10 <= 1, `ANN recall ${quality.annRecall10}`);
    assert.equal(quality.warmup, null, 'the warm-up runs after approval');
    const status = await fx.client.status(collection);
    assert.equal(status.quality?.verdict, 'REGRESSION', 'status --json carries the report');

    await fx.client.approve(collection, { approver: 'alice' });
    await new Promise((r) => setTimeout(r, 1000));
    const refused = (await fx.client.status(collection)).migration!;
    assert.equal(refused.phase, 'AWAITING_APPROVAL');
    assert.match(refused.refusedSignals.at(-1)!.reason, /quality gate found a regression/);

    await fx.client.approve(collection, { approver: 'alice', acknowledgeRegression: true, note: 'the CLS space is what we want' });
    const retained = await fx.client.waitForPhase(collection, ['RETENTION'], { timeoutMs: 60_000 });
    assert.equal(retained.approval?.acknowledgeRegression, true);
    const warmup = retained.quality!.warmup!;
    assert.deepEqual({ queries: warmup.queries, trafficQueries: warmup.trafficQueries, passes: warmup.passes }, { queries: 7, trafficQueries: 0, passes: 5 });
    assert.ok(warmup.cold.p50Ms > 0 && warmup.cold.p95Ms >= warmup.cold.p50Ms && warmup.warm.p95Ms >= warmup.warm.p50Ms);
    await fx.client.endRetention(collection, { by: 'test' });
    await fx.client.result(collection);
    // Today's code replays it (and REEMBED_RECORD_HISTORIES keeps it as a fixture).
    await fx.replay(collection, 'quality-gate-warmup');
  });

  it('passes when both indexes find what the labels say, and without golden queries it is not evaluated', async () => {
    const passing = await fx.seedCollection(20);
    const docs = await fx.store.scan((await fx.registry.get(passing)).activeIndex, null, 4);
    await fx.services.golden.add(
      passing,
      docs.map((d) => ({ query: d.content!, relevant: { [d.id]: 1 } })),
      'file',
    );
    // Queries searched through an opting-in router join the warm-up.
    const sample = new QuerySample(fx.es, { rate: 1, flushIntervalMs: 0 });
    const router = fx.services.router({ querySample: sample });
    for (const query of ['schools and teachers', 'schools and teachers', 'the war in Iraq']) await router.search(passing, query);
    await sample.close();
    const pass = (await migrate(passing)).quality!;
    assert.equal(pass.verdict, 'PASS', pass.reason);
    assert.equal(pass.queries.labelled, 4);
    await fx.client.approve(passing, { approver: 'bob' });
    const warmed = (await fx.client.waitForPhase(passing, ['RETENTION'], { timeoutMs: 60_000 })).quality!.warmup!;
    assert.deepEqual({ queries: warmed.queries, trafficQueries: warmed.trafficQueries }, { queries: 6, trafficQueries: 2 });
    await fx.client.endRetention(passing, { by: 'test' });

    const unjudged = await fx.seedCollection(10);
    const none = (await migrate(unjudged)).quality!;
    assert.equal(none.verdict, 'NOT_EVALUATED');
    assert.match(none.reason, /no golden queries/);
    await fx.client.reject(unjudged, { by: 'test', reason: 'done' });
  });

  it('scores a real upgrade on human labels: the Lee corpus, MiniLM → bge-small', async () => {
    const lee = loadLeeCorpus(fx.config.datasetsDir);
    const collection = await fx.seedDocuments(lee.documents);
    await fx.services.golden.add(collection, lee.queries, 'file');
    const waiting = await migrate(collection, undefined, 'bge-small-en-v1.5');
    const quality = waiting.quality!;
    assert.deepEqual(quality.queries, { labelled: 48, unlabelled: 2 }, 'two Lee documents have no pair rated related');

    // Each side, searched here directly, scores what the report says: the right index with the right spec.
    const labelled = lee.queries.filter((q) => q.relevant);
    const side = async (index: string, specId: string) => {
      const provider = await fx.services.providers.get(fx.catalog.get(specId));
      const scores = [];
      for (const q of labelled) {
        const hits = await fx.store.knnSearch(index, (await provider.embed([q.query], 'query')).vectors[0]!, 10);
        scores.push(
          ndcgAt(
            10,
            hits.map((h) => h.id),
            q.relevant!,
          ),
        );
      }
      return mean(scores)!;
    };
    assert.ok(Math.abs((await side(waiting.sourceIndex!, SOURCE)) - quality.old!.ndcg10!) < 1e-9);
    assert.ok(Math.abs((await side(waiting.targetIndex!, 'bge-small-en-v1.5')) - quality.new!.ndcg10!) < 1e-9);
    assert.equal(quality.verdict, quality.new!.ndcg10! >= 0.98 * quality.old!.ndcg10! ? 'PASS' : 'REGRESSION');
    assert.ok(quality.annRecall10! >= 0.9, `ANN recall ${quality.annRecall10}`);
    await fx.client.reject(collection, { by: 'test', reason: 'measured' });
  });
});
