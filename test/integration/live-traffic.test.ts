import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sourceHash } from '../../src/corpus/source-hash.js';
import { AccessStats } from '../../src/search/access-stats.js';
import type { RoutedResult, RouterOptions } from '../../src/search/search-router.js';
import { versionedIndexName } from '../../src/store/vector-index-layout.js';
import { MigrationFixture } from '../helpers/migration-fixture.js';
import { waitFor } from '../helpers/services.js';

const TARGET = 'minilm-l6-v2-cls';
const QUERIES = ['the economy and jobs', 'health care costs', 'war and national security', 'education and schools'];

describe('live traffic during a migration', () => {
  let fx: MigrationFixture;
  before(async () => {
    fx = await MigrationFixture.create();
    await fx.startWorker();
  });
  after(async () => fx.close());

  function router(options: RouterOptions = {}) {
    return fx.services.router(options);
  }

  it('loses, stales and resurrects nothing under concurrent writes, and searches never fail or come back empty, rollback included', async (t) => {
    const collection = await fx.seedCollection(150);
    const source = (await fx.registry.get(collection)).activeIndex;
    const target = versionedIndexName(collection, fx.catalog.get(TARGET));
    // A separate service's writer, with its own registry cache (2 s staleness).
    const service = fx.services.writer();
    const expected = new Map<string, string>([...(await fx.contents(source))]);
    const searcher = router({ strategy: 'rrf', mergeThreshold: 0.3 });

    let stopWriting = false;
    let stopSearching = false;
    let operations = 0;
    const writer = (async () => {
      for (let round = 0; !stopWriting; round++) {
        const ids = [...expected.keys()];
        const upserts = Array.from({ length: 16 }, (_, i) => {
          const id = i % 4 === 0 ? `live-${round}-${i}` : ids[(round * 37 + i * 11) % ids.length]!;
          return { id, text: `Revision ${round}.${i} of ${id}: the budget, the economy and jobs for working families.` };
        });
        const deletes = [ids[(round * 53) % ids.length]!, ids[(round * 97 + 5) % ids.length]!].filter((id) => !upserts.some((u) => u.id === id));
        const result = await service.upsert(collection, upserts);
        assert.deepEqual(result.failed, []);
        for (const u of upserts) expected.set(u.id, sourceHash(u.text));
        await service.delete(collection, deletes);
        for (const id of deletes) expected.delete(id);
        operations += upserts.length + deletes.length;
      }
    })();
    const routes = new Set<string>();
    const failures: string[] = [];
    let searches = 0;
    const searching = (async () => {
      while (!stopSearching) {
        const query = QUERIES[searches++ % QUERIES.length]!;
        try {
          const result: RoutedResult = await searcher.search(collection, query, { k: 5 });
          routes.add(result.route);
          if (result.hits.length === 0) failures.push(`empty result for "${query}" on route ${result.route}`);
        } catch (error) {
          failures.push(`search error: ${(error as Error).message}`);
        }
        // Searches need only keep arriving through every phase: flat out, they took a core from the rest of the suite.
        await new Promise((r) => setTimeout(r, 20));
      }
    })();

    // However the assertions below end, the loops stop, so a failure cannot hang the run.
    try {
      await fx.client.startMigration({ collection, targetSpecId: TARGET, graceMs: 2000, batchSize: 10, batchesPerActivity: 1, writerStalenessMs: 3000 });
      await fx.client.waitForPhase(collection, ['AWAITING_APPROVAL'], { timeoutMs: 300_000 });
      const routing = await fx.client.routing(collection);
      assert.equal(routing.route.kind, 'merged');
      assert.deepEqual(
        routing.writeTargets.map((t) => t.index),
        [source, target],
      );
      await fx.client.approve(collection, { approver: 'test' });
      await fx.client.waitForPhase(collection, ['RETENTION'], { timeoutMs: 60_000 });
      await new Promise((r) => setTimeout(r, 3000)); // writes continue after cutover
      stopWriting = true;
      await writer;

      for (const index of [target, source]) {
        const actual = await fx.contents(index);
        const lost = [...expected.keys()].filter((id) => !actual.has(id));
        const stale = [...expected].filter(([id, hash]) => actual.has(id) && actual.get(id) !== hash).map(([id]) => id);
        const resurrected = [...actual.keys()].filter((id) => !expected.has(id));
        assert.deepEqual({ lost, stale, resurrected }, { lost: [], stale: [], resurrected: [] }, `${index} after ${operations} writes`);
      }
      assert.ok(operations >= 1000, `only ${operations} write operations`);

      await fx.client.rollback(collection, { by: 'test', reason: 'search keeps working through rollback' });
      await fx.client.result(collection);
      await new Promise((r) => setTimeout(r, 3000));
      stopSearching = true;
      await searching;
      assert.deepEqual(failures, [], `${failures.length} of ${searches} searches failed`);
      assert.ok(searches > 50, `${searches} searches`);
      t.diagnostic(`${operations} write operations and ${searches} searches`);
      for (const route of ['old-only', 'merged', 'active']) assert.ok(routes.has(route), `route ${route} seen (${[...routes]})`);
    } finally {
      stopWriting = true;
      stopSearching = true;
      await Promise.allSettled([writer, searching]);
    }
  });

  it('merges mid-migration results that include documents only the new index has', async () => {
    const collection = await fx.seedCollection(60);
    const target = versionedIndexName(collection, fx.catalog.get(TARGET));
    await fx.client.startMigration({ collection, targetSpecId: TARGET, graceMs: 3_600_000 });
    await fx.client.waitForPhase(collection, ['AWAITING_APPROVAL'], { timeoutMs: 120_000 });
    // A document present in the new index only (a write whose old-index half failed).
    const spec = fx.catalog.get(TARGET);
    const text = 'Quantum computing laboratories and superconducting qubits.';
    const { vectors } = await (await fx.services.providers.get(spec)).embed([text], 'document');
    await fx.store.bulkUpsert(target, spec, [{ id: 'only-in-new', vector: vectors[0]!, sourceHash: sourceHash(text), content: text }]);
    await fx.store.refresh(target);

    for (const strategy of ['rrf', 'coverage-weighted'] as const) {
      const result = await router({ strategy }).search(collection, 'quantum computers and qubits', { k: 5 });
      assert.equal(result.route, 'merged');
      const hit = result.hits.find((h) => h.id === 'only-in-new');
      assert.ok(hit, `${strategy}: ${JSON.stringify(result.hits.map((h) => h.id))}`);
      assert.equal(hit.index, target);
      assert.equal(hit.specId, TARGET);
      assert.equal(new Set(result.hits.map((h) => h.id)).size, result.hits.length, 'de-duplicated by id');
    }

    const shadow = router({ shadow: true });
    const shadowed = await shadow.search(collection, 'quantum computers and qubits', { k: 5 });
    assert.equal(shadowed.route, 'shadow');
    assert.ok(
      shadowed.hits.every((h) => h.index !== target),
      'shadow mode serves the old index',
    );
    assert.ok(shadowed.shadowOverlap !== undefined && shadowed.shadowOverlap < 1);
    assert.equal(shadow.shadowReport().searches, 1);

    await fx.client.reject(collection, { by: 'test', reason: 'done' });
    await fx.client.result(collection);
  });

  it('backfills the most-searched documents first and reports the hot set in status', async () => {
    const collection = await fx.seedCollection(120);
    const source = (await fx.registry.get(collection)).activeIndex;
    const target = versionedIndexName(collection, fx.catalog.get(TARGET));
    const ids = [...(await fx.contents(source)).keys()].sort();
    const hot = ids.slice(-15); // the ids a plain doc_id scan would copy last
    const stats = new AccessStats(fx.es, { flushIntervalMs: 0 });
    for (let i = 0; i < 5; i++) stats.record(collection, hot);
    stats.record(collection, ids.slice(0, 3));
    await stats.close();

    await fx.client.startMigration({ collection, targetSpecId: TARGET, graceMs: 3_600_000, batchSize: 5, batchesPerActivity: 1 });
    let firstSeen: string[] = [];
    await waitFor(
      async () => {
        await fx.store.refresh(target).catch(() => undefined);
        firstSeen = (await fx.store.exists(target)) ? [...(await fx.contents(target)).keys()] : [];
        return firstSeen.length >= hot.length;
      },
      `the ${hot.length} hot documents in the new index`,
      120_000,
      100,
    );
    assert.ok(
      hot.every((id) => firstSeen.includes(id)),
      'every hot document arrived before the cold ones',
    );
    assert.ok(firstSeen.length < 60, `observed ${firstSeen.length} documents`);

    await fx.client.waitForPhase(collection, ['AWAITING_APPROVAL'], { timeoutMs: 180_000 });
    const status = await fx.client.status(collection);
    assert.equal(status.hotSetMigrated, 1);
    assert.equal(status.documents.migrated, 120, 'hot documents were not copied twice');
    await fx.client.reject(collection, { by: 'test', reason: 'done' });
    await fx.client.result(collection);
  });
});
