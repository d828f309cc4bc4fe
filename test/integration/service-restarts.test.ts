import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { versionedIndexName } from '../../src/store/vector-index-layout.js';
import { MigrationFixture } from '../helpers/migration-fixture.js';

const exec = promisify(execFile);
const TARGET = 'minilm-l6-v2-cls';

async function services(action: 'up' | 'down', service: 'elasticsearch' | 'temporal'): Promise<void> {
  await exec('bash', ['scripts/services.sh', action, service], { timeout: 180_000 });
}

/**
 * What an operator sees when a service restarts under a running migration: Elasticsearch or
 * the Temporal server stopped mid-backfill and started again. The migration carries on from
 * where it was and ends with exactly the source's documents.
 */
describe('service restarts mid-backfill', () => {
  let fx: MigrationFixture;
  before(async () => {
    fx = await MigrationFixture.create();
    await fx.startWorker();
  });
  after(async () => {
    // Whatever happened, the services the rest of the suite needs are up again.
    await services('up', 'elasticsearch');
    await services('up', 'temporal');
    await fx.close();
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
      await services('down', service);
      await new Promise((r) => setTimeout(r, 3000));
      await services('up', service);
      await endsWithParity(collection, source, target);
    });
  }
});
