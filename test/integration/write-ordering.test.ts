import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withWorkerFixture } from '../helpers/migration-fixture.js';

const TARGET = 'minilm-l6-v2-cls';
const HOT_IDS = Array.from({ length: 4 }, (_, i) => `hot-${i}`);

/**
 * Concurrent writers on the same few ids while a migration dual-writes: each index applies
 * their requests in its own arrival order, so without an ordering two indexes can end with
 * different texts for one id. Live writes carry an external version; both must converge.
 */
describe('concurrent writers on the same ids through every phase', () => {
  const fixture = withWorkerFixture();

  it('leave both indexes with identical ids and text hashes', async (t) => {
    const fx = fixture();
    const collection = await fx.seedCollection(60);
    // Short registry caches: the writers follow the phases within a second.
    const writers = Array.from({ length: 4 }, () => fx.services.writer({ registryCacheMs: 300 }));
    let phase = 'PREPARING';
    let writes = 0;
    let deletes = 0;
    const phasesSeen = new Set<string>();
    const hammer = async (w: number) => {
      for (let n = 0; phase !== 'RETENTION'; n++) {
        const id = HOT_IDS[(n * 7 + w) % HOT_IDS.length]!;
        if (n % 5 === 4) {
          await writers[w]!.delete(collection, [id]);
          deletes++;
        } else {
          await writers[w]!.upsert(collection, [{ id, text: `writer ${w}, write ${n}: text for ${id}` }]);
          writes++;
        }
      }
    };
    await fx.client.startMigration({ collection, targetSpecId: TARGET, graceMs: 3_000, batchSize: 8, batchesPerActivity: 1 });
    const watch = (async () => {
      for (; phase !== 'RETENTION'; await new Promise((r) => setTimeout(r, 100))) {
        const s = await fx.client.status(collection);
        phase = s.phase;
        phasesSeen.add(phase);
        if (phase === 'AWAITING_APPROVAL' && !s.migration?.approval) await fx.client.approve(collection, { approver: 'test' });
        if (phase === 'FAILED') throw new Error(`migration failed: ${s.migration?.error}`);
      }
    })();
    await Promise.all([watch, ...writers.map((_, w) => hammer(w))]);
    for (const p of ['BACKFILLING', 'AWAITING_APPROVAL', 'GRACE_PERIOD', 'RETENTION'])
      assert.ok(phasesSeen.has(p), `writes ran through ${p}: ${[...phasesSeen].join(', ')}`);
    assert.ok(writes > 50 && deletes > 10, `${writes} writes and ${deletes} deletes`);
    t.diagnostic(`${writes} writes and ${deletes} deletes by ${writers.length} writers on ${HOT_IDS.length} ids`);

    // Retention still dual-writes: the old index and the new one must hold the same.
    const status = await fx.client.status(collection);
    await Promise.all([fx.store.refresh(status.sourceIndex!), fx.store.refresh(status.targetIndex!)]);
    const [old, fresh] = await Promise.all([fx.contents(status.sourceIndex!), fx.contents(status.targetIndex!)]);
    assert.deepEqual(fresh, old, 'identical ids and text hashes');
    const hot = HOT_IDS.filter((id) => old.has(id));
    assert.ok(hot.length > 0, 'some hot documents survive the deletes');
    await fx.client.endRetention(collection, { by: 'test' });
    assert.equal((await fx.client.result(collection)).phase, 'COMPLETED');
  });
});
