import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { versionedIndexName } from '../../src/store/vector-index-layout.js';
import { MigrationFixture } from '../helpers/migration-fixture.js';

const exec = promisify(execFile);
const TARGET = 'minilm-l6-v2-cls';

/**
 * An Elasticsearch node and a Temporal dev server of this file's own (their own ports and
 * folders), so stopping them leaves the services every other test file is using alone.
 */
const state = mkdtempSync(join(tmpdir(), 'reembed-restarts-'));
// Elasticsearch runs as an unprivileged user when the suite runs as root: it must reach its folder.
chmodSync(state, 0o755);
const OWN_SERVICES = {
  REEMBED_STATE: state,
  REEMBED_ES_NODES: state,
  REEMBED_ES_PORT: '9202',
  ES_URL: 'http://127.0.0.1:9202',
  REEMBED_TEMPORAL_PORT: '7253',
  REEMBED_TEMPORAL_UI_PORT: '8253',
  TEMPORAL_ADDRESS: '127.0.0.1:7253',
};

async function services(action: 'up' | 'down', ...names: ('elasticsearch' | 'temporal')[]): Promise<void> {
  await exec('bash', ['scripts/services.sh', action, ...names], { timeout: 180_000, env: { ...process.env, ...OWN_SERVICES } });
}

/**
 * What an operator sees when a service restarts under a running migration: Elasticsearch or
 * the Temporal server stopped mid-backfill and started again. The migration carries on from
 * where it was and ends with exactly the source's documents.
 */
describe('service restarts mid-backfill', () => {
  let fx: MigrationFixture;
  before(async () => {
    await services('up', 'elasticsearch', 'temporal');
    fx = await MigrationFixture.create(OWN_SERVICES);
    await fx.startWorker();
  });
  after(async () => {
    await fx?.close();
    await services('down', 'elasticsearch', 'temporal');
    rmSync(state, { recursive: true, force: true });
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
