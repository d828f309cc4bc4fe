import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { versionedIndexName } from '../../src/store/vector-index-layout.js';
import { MigrationFixture } from '../helpers/migration-fixture.js';
import { OwnServices } from '../helpers/own-services.js';

const TARGET = 'minilm-l6-v2-cls';

/** This file's own node and server: stopping them leaves the ones every other test file uses alone. */
const own = new OwnServices({ temporal: 7253, temporalUi: 8253, elasticsearch: 9202 });

/**
 * What an operator sees when a service restarts under a running migration: Elasticsearch or
 * the Temporal server stopped mid-backfill and started again. The migration carries on from
 * where it was and ends with exactly the source's documents.
 */
describe('service restarts mid-backfill', () => {
  let fx: MigrationFixture;
  before(async () => {
    await own.up('elasticsearch', 'temporal');
    fx = await MigrationFixture.create(own.env);
    await fx.startWorker();
  });
  after(async () => {
    await fx?.close();
    await own.remove('elasticsearch', 'temporal');
  });

  async function midBackfill(): Promise<{ collection: string; source: string; target: string }> {
    const collection = await fx.seedCollection(300);
    const source = (await fx.registry.get(collection)).activeIndex;
    await fx.client.startMigration({ collection, targetSpecId: TARGET, graceMs: 0, batchSize: 8, batchesPerActivity: 1 });
    for (let migrated = 0; migrated === 0;) {
      await new Promise((r) => setTimeout(r, 50));
      migrated = (await fx.client.status(collection)).documents.migrated;
    }
    return { collection, source, target: versionedIndexName(collection, fx.catalog.get(TARGET)) };
  }

  async function endsWithParity(collection: string, source: string, target: string): Promise<void> {
    const waiting = await fx.client.waitForPhase(collection, ['AWAITING_APPROVAL', 'FAILED'], { timeoutMs: 300_000 });
    assert.equal(waiting.phase, 'AWAITING_APPROVAL', waiting.error);
    assert.equal(waiting.verification?.ok, true);
    await fx.store.refresh(target);
    assert.deepEqual(await fx.contents(target), await fx.contents(source));
    await fx.client.reject(collection, { by: 'test', reason: 'done' });
  }

  const cases = {
    elasticsearch: 'Elasticsearch restarted: activities retry until it is back, parity exact',
    temporal: 'Temporal restarted: the workflow resumes from its persisted history, parity exact',
  } as const;
  for (const [service, title] of Object.entries(cases) as ['elasticsearch' | 'temporal', string][]) {
    it(title, async () => {
      const { collection, source, target } = await midBackfill();
      await own.down(service);
      await new Promise((r) => setTimeout(r, 3000));
      await own.up(service);
      await endsWithParity(collection, source, target);
    });
  }
});
