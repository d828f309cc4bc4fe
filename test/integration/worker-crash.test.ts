import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { versionedIndexName } from '../../src/store/vector-index-layout.js';
import { MigrationFixture } from '../helpers/migration-fixture.js';
import { waitFor } from '../helpers/services.js';
import { spawnWorkerProcess } from '../helpers/worker-process.js';

const TARGET = 'minilm-l6-v2-cls';

describe('a worker killed mid-backfill', () => {
  let fx: MigrationFixture;
  const children: ChildProcess[] = [];

  function spawnWorker(): ChildProcess {
    const child = spawnWorkerProcess({ REEMBED_TASK_QUEUE: fx.config.temporal.taskQueue });
    children.push(child);
    return child;
  }

  async function stopped(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  before(async () => {
    fx = await MigrationFixture.create();
  });
  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    await fx.close();
  });

  it('is replaced by a new worker and the migration ends with exactly the source documents', async () => {
    const documents = 200;
    const collection = await fx.seedCollection(documents);
    const source = (await fx.registry.get(collection)).activeIndex;
    const target = versionedIndexName(collection, fx.catalog.get(TARGET));
    await fx.client.startMigration({ collection, targetSpecId: TARGET, graceMs: 0, batchSize: 10, batchesPerActivity: 3, heartbeatTimeoutMs: 3000 });

    const first = spawnWorker();
    await fx.client.waitForPhase(collection, ['BACKFILLING'], { timeoutMs: 120_000 });
    let migratedAtKill = 0;
    await waitFor(
      async () => (migratedAtKill = (await fx.client.status(collection)).documents.migrated) >= 60,
      '60 documents migrated by the first worker',
      120_000,
      100,
    );
    first.kill('SIGKILL');
    assert.ok(migratedAtKill < documents, 'killed before the backfill finished');

    const replacement = spawnWorker();
    const done = await fx.client.waitForPhase(collection, ['AWAITING_APPROVAL'], { timeoutMs: 240_000 });
    assert.equal(done.documents.migrated, documents);
    assert.equal(done.documents.quarantined, 0);

    const sourceDocs = await fx.contents(source);
    const targetDocs = await fx.contents(target);
    assert.equal(targetDocs.size, sourceDocs.size, 'none lost');
    assert.equal(await fx.store.count(target), documents, 'none duplicated');
    for (const [id, hash] of sourceDocs) assert.equal(targetDocs.get(id), hash, `${id} copied with its text hash`);

    await fx.client.reject(collection, { by: 'test', reason: 'done checking' });
    assert.equal((await fx.client.result(collection)).phase, 'REJECTED');
    // The next test counts the workers that take its partitions: only its own may poll.
    await stopped(replacement);
  });

  it('with two workers, both take partitions; SIGKILL one and the other finishes with exact parity', async () => {
    const documents = 300;
    const collection = await fx.seedCollection(documents);
    const source = (await fx.registry.get(collection)).activeIndex;
    const target = versionedIndexName(collection, fx.catalog.get(TARGET));
    const workers = [spawnWorker(), spawnWorker()];
    await fx.client.startMigration({
      collection,
      targetSpecId: TARGET,
      graceMs: 0,
      batchSize: 8,
      batchesPerActivity: 2,
      parallelism: 4,
      heartbeatTimeoutMs: 3000,
    });

    // Until each worker process has run a partition's activity.
    let running = await fx.client.waitForPhase(collection, ['BACKFILLING'], { timeoutMs: 120_000 });
    for (; new Set((running.partitions ?? []).flatMap((p) => p.workers)).size < 2; await new Promise((r) => setTimeout(r, 100))) {
      running = (await fx.client.status(collection)).migration!;
      assert.equal(running.phase, 'BACKFILLING', 'both workers took partitions before the backfill ended');
    }
    assert.equal(running.partitions!.length, 4);
    workers[0]!.kill('SIGKILL');

    const done = await fx.client.waitForPhase(collection, ['AWAITING_APPROVAL'], { timeoutMs: 240_000 });
    assert.deepEqual(done.documents, { total: documents, migrated: documents, quarantined: 0, truncated: done.documents.truncated });
    assert.ok(
      done.partitions!.every((p) => p.done && p.migrated === p.documents),
      JSON.stringify(done.partitions),
    );
    assert.equal(
      done.partitions!.reduce((sum, p) => sum + p.documents, 0),
      documents,
      'the partitions cover the source once',
    );
    await fx.store.refresh(target);
    assert.deepEqual(await fx.contents(target), await fx.contents(source), 'none lost, none duplicated, every text hash');
    await fx.client.reject(collection, { by: 'test', reason: 'done checking' });
    await fx.client.result(collection);
    await fx.replay(collection, 'partitioned-two-workers');
  });
});
