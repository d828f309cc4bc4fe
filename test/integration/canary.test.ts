import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CanaryResult } from '../../src/canary/canary.js';
import { CANARY_WORKFLOW_TYPE, canaryScheduleId } from '../../src/canary/canary.js';
import { canaryStatusKey, collectionKey } from '../../src/migration/search-attributes.js';
import { FIXED_CANARY_TEXTS } from '../../src/canary/canary-activities.js';
import { connectTemporal } from '../../src/client/temporal-client.js';
import { runReembed } from '../helpers/cli.js';
import { MigrationFixture, withWorkerFixture } from '../helpers/migration-fixture.js';
import { OwnServices } from '../helpers/own-services.js';

/**
 * A models folder where all-MiniLM-L6-v2 holds bge-small-en-v1.5's weights and tokenizer:
 * the same spec, the same fingerprint, other weights — what a bad deployment serves.
 */
function foreignWeightsFolder(modelsDir: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'reembed-drift-'));
  const target = join(dir, 'all-MiniLM-L6-v2');
  mkdirSync(join(target, 'onnx'), { recursive: true });
  const bge = join(modelsDir, 'bge-small-en-v1.5');
  for (const file of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) symlinkSync(join(bge, file), join(target, file));
  symlinkSync(join(bge, 'onnx', 'model.onnx'), join(target, 'onnx', 'model_quantized.onnx'));
  return dir;
}

describe('drift canaries', () => {
  const fx = withWorkerFixture();

  const run = (collection: string): Promise<CanaryResult> => fx().client.canaries.run(collection);

  /** The ids of the collection's canary runs, once visibility lists them. */
  async function canaryRuns(collection: string): Promise<string[]> {
    const temporal = await connectTemporal(fx().config);
    try {
      for (let i = 0; ; i++) {
        const ids: string[] = [];
        for await (const wf of temporal.client.workflow.list({
          query: `WorkflowType = '${CANARY_WORKFLOW_TYPE}' AND ${collectionKey.name} = '${collection}'`,
        })) {
          ids.push(wf.workflowId);
        }
        if (ids.length > 0 || i === 30) return ids;
        await new Promise((r) => setTimeout(r, 1000));
      }
    } finally {
      await temporal.close();
    }
  }

  it('OK: the first check captures a canary set, the next finds every canary at its stored vector', async () => {
    const collection = await fx().seedCollection(40);
    const first = await run(collection);
    assert.equal(first.status, 'OK', first.summary);
    assert.equal(first.captured, true);
    const set = await fx().services.canaries.set(collection);
    assert.equal(set.filter((c) => c.source === 'fixed').length, FIXED_CANARY_TEXTS.length);
    assert.equal(set.filter((c) => c.source === 'document').length, 24);
    assert.ok(set.every((c) => c.vector.length === 384 && c.index === first.health.activeIndex));

    const second = await run(collection);
    assert.equal(second.status, 'OK', second.summary);
    assert.equal(second.captured, false);
    assert.equal(second.drift?.compared, set.length);
    assert.equal(second.drift?.driftedCount, 0);
    assert.ok(second.drift!.minCosine >= 0.9999, `min cosine ${second.drift!.minCosine}`);
    assert.equal(second.health.documents, 40);
    assert.equal(second.health.previousDocuments, 40);
    assert.equal((await fx().client.canaries.status(collection)).recent.length, 2);
    const runs = await canaryRuns(collection);
    assert.ok(runs.length >= 1, 'the runs are listed by collection');
    for (const workflowId of runs) await fx().replayWorkflow(workflowId, 'canary-ok');
  });

  it('DRIFTED: a worker serving other weights under the same spec is caught, and `canary run` exits 3', async () => {
    const collection = await fx().seedCollection(30);
    assert.equal((await run(collection)).captured, true);
    await fx().stopWorker();
    await fx().startWorker({ REEMBED_MODELS_DIR: foreignWeightsFolder(fx().config.modelsDir) });
    try {
      const cli = await runReembed(fx().config.temporal.taskQueue, ['canary', 'run', collection, '--json']);
      assert.equal(cli.code, 3, cli.stderr);
      const result = JSON.parse(cli.stdout) as CanaryResult;
      assert.equal(result.status, 'DRIFTED');
      // Same spec, same fingerprint: the cosines found it, every canary of them.
      assert.equal(result.drift?.capturedFingerprint, result.drift?.fingerprint);
      assert.equal(result.drift?.driftedCount, result.drift?.compared);
      assert.ok(result.drift!.minCosine < 0.5, `min cosine ${result.drift!.minCosine}`);
      const text = await runReembed(fx().config.temporal.taskQueue, ['canary', 'status', collection]);
      assert.match(text.stdout, /: DRIFTED\n/);
      assert.match(text.stdout, /canaries moved below cosine 0\.9999/);
    } finally {
      await fx().stopWorker();
      await fx().startWorker();
    }
  });

  it('UNHEALTHY: an alias moved by hand, and a collection that lost documents', async () => {
    const collection = await fx().seedCollection(40);
    const active = (await fx().registry.get(collection)).activeIndex;
    assert.equal((await run(collection)).status, 'OK');

    const elsewhere = `${collection}__moved-by-hand`;
    await fx().es.indices.create({ index: elsewhere });
    await fx().aliases.swap(collection, active, elsewhere);
    const moved = await run(collection);
    assert.equal(moved.status, 'UNHEALTHY');
    assert.deepEqual(moved.health.aliasTargets, [elsewhere]);
    assert.match(moved.summary, /the alias serves \[.*moved-by-hand\], the registry's active index is .* \(moved by hand\?\)/);
    const cli = await runReembed(fx().config.temporal.taskQueue, ['canary', 'run', collection]);
    assert.equal(cli.code, 4, cli.stdout);
    assert.match(cli.stdout, /UNHEALTHY/);

    await fx().aliases.swap(collection, elsewhere, active);
    assert.equal((await run(collection)).status, 'OK');
    const ids = (await fx().store.scan(active, null, 20, false)).map((d) => d.id);
    await fx().store.deleteDocuments(active, ids);
    await fx().store.refresh(active);
    const shrunk = await run(collection);
    assert.equal(shrunk.status, 'UNHEALTHY');
    assert.match(shrunk.summary, /holds 20 documents, 50\.0% fewer than the 40 at the last check/);
  });

  it('refuses bad options with a readable message and an unknown collection by name', async () => {
    const collection = await fx().seedCollection(5);
    await assert.rejects(fx().client.canaries.schedule(collection, { everyMs: 500 }), /a canary interval is at least 10s/);
    const cli = await runReembed(fx().config.temporal.taskQueue, ['canary', 'run', collection, '--min-cosine', '1.5']);
    assert.equal(cli.code, 2);
    assert.match(cli.stderr, /min-cosine/);
    const unknown = await runReembed(fx().config.temporal.taskQueue, ['canary', 'status', 'no-such-collection']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no-such-collection/);
  });
});

/**
 * The schedule must survive a Temporal restart: these tests restart a dev server of their own
 * (its own ports and state folder), so the test files running beside them keep theirs.
 */
const ownTemporal = new OwnServices({ temporal: 7243, temporalUi: 8243 });

describe('canary schedules', () => {
  let fx: MigrationFixture;
  before(async () => {
    await ownTemporal.up('temporal');
    fx = await MigrationFixture.create(ownTemporal.env);
    await fx.startWorker();
  });
  after(async () => {
    await fx?.close();
    await ownTemporal.remove('temporal');
  });

  async function waitForRuns(collection: string, atLeast: number): Promise<void> {
    const deadline = Date.now() + 90_000;
    while ((await fx.client.canaries.status(collection)).recent.length < atLeast) {
      if (Date.now() > deadline) throw new Error(`fewer than ${atLeast} scheduled canary runs of ${collection} within 90 s`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  it('creates, updates, runs on schedule, survives a Temporal restart and is deleted', async () => {
    const collection = await fx.seedCollection(20);
    const cli = await runReembed(fx.config.temporal.taskQueue, ['canary', 'schedule', collection, '--every', '1h'], ownTemporal.env);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, new RegExp(`Scheduled ${canaryScheduleId(collection)}: a canary check of ${collection} every 1h`));
    assert.equal((await fx.client.canaries.schedule(collection, { everyMs: 10_000 })).created, false);
    assert.equal((await fx.client.canaries.status(collection)).schedule?.everyMs, 10_000);
    await waitForRuns(collection, 1);

    // The Web UI lists the schedule's runs by their status.
    const temporal = await connectTemporal(fx.config);
    try {
      const query = `${collectionKey.name} = '${collection}' AND ${canaryStatusKey.name} = 'OK'`;
      let listed = 0;
      for (let i = 0; i < 30 && listed === 0; i++) {
        for await (const wf of temporal.client.workflow.list({ query })) if (wf.workflowId.startsWith(canaryScheduleId(collection))) listed++;
        if (listed === 0) await new Promise((r) => setTimeout(r, 1000));
      }
      assert.ok(listed >= 1, 'a scheduled run is listed by ReembedCanaryStatus');
    } finally {
      await temporal.close();
    }

    const before = (await fx.client.canaries.status(collection)).recent.length;
    await ownTemporal.down('temporal');
    await ownTemporal.up('temporal');
    const afterRestart = await fx.client.canaries.status(collection);
    assert.equal(afterRestart.schedule?.everyMs, 10_000, 'the schedule survived the restart');
    await waitForRuns(collection, before + 1);

    const removed = await runReembed(fx.config.temporal.taskQueue, ['canary', 'unschedule', collection], ownTemporal.env);
    assert.match(removed.stdout, /Deleted the canary schedule/);
    assert.equal((await fx.client.canaries.status(collection)).schedule, null);
    assert.equal(await fx.client.canaries.unschedule(collection), false);
  });
});
