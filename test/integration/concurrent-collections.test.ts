import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withWorkerFixture } from '../helpers/migration-fixture.js';

const TARGET = 'minilm-l6-v2-cls';

/** One worker, three collections migrating at once, each with its own writer and searcher running. */
describe('three collections migrating concurrently on one worker', () => {
  const fixture = withWorkerFixture();

  it('all complete with exact parity under live writes, deletes and searches', async () => {
    const fx = fixture();
    const collections = await Promise.all([fx.seedCollection(60), fx.seedCollection(60), fx.seedCollection(60)]);
    const seeded = await Promise.all(collections.map(async (c) => [...(await fx.contents((await fx.registry.get(c)).activeIndex)).keys()]));
    assert.deepEqual(
      seeded.map((ids) => ids.length),
      [60, 60, 60],
      'every seeded document is searchable before the migrations start',
    );
    const router = fx.services.router({ registryCacheMs: 500 });
    for (const collection of collections) await fx.client.startMigration({ collection, targetSpecId: TARGET, graceMs: 0, batchSize: 8, batchesPerActivity: 1 });

    // Each collection's traffic until its migration waits for approval.
    const traffic = collections.map(async (collection, c) => {
      let round = 0;
      for (; (await fx.client.status(collection)).phase !== 'AWAITING_APPROVAL'; round++) {
        await fx.writer.upsert(collection, [{ id: `live-${round}`, text: `collection ${c}, a live document written in round ${round}` }]);
        if (round < 20) await fx.writer.delete(collection, [seeded[c]![round]!]);
        const { hits } = await router.search(collection, 'taxes and the economy', { k: 5 });
        assert.equal(hits.length, 5);
      }
      return round;
    });
    const rounds = await Promise.all(traffic);
    assert.ok(
      rounds.every((r) => r > 0),
      `traffic ran during every migration: ${rounds.join(', ')} rounds`,
    );

    for (const [c, collection] of collections.entries()) {
      const waiting = await fx.client.waitForPhase(collection, ['AWAITING_APPROVAL'], { timeoutMs: 180_000 });
      assert.equal(waiting.verification?.ok, true, waiting.verification?.problems.join('; '));
      await fx.store.refresh(waiting.targetIndex!);
      const [source, target] = await Promise.all([fx.contents(waiting.sourceIndex!), fx.contents(waiting.targetIndex!)]);
      assert.deepEqual(target, source, `${collection}: identical ids and text hashes`);
      assert.equal(source.size, 60 - Math.min(rounds[c]!, 20) + rounds[c]!);
      await fx.client.approve(collection, { approver: 'ops' });
    }
    for (const collection of collections) {
      await fx.client.waitForPhase(collection, ['RETENTION'], { timeoutMs: 60_000 });
      await fx.client.endRetention(collection, { by: 'ops' });
      assert.equal((await fx.client.result(collection)).phase, 'COMPLETED');
    }
  });
});
