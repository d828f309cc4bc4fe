import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectTemporal, type TemporalClientHandle } from '../../src/client/temporal-client.js';
import { MIGRATION_WORKFLOW_TYPE, migrationWorkflowId, type MigrationRequest } from '../../src/migration/input.js';
import type { MigrationResult } from '../../src/migration/status.js';
import { MigrationFixture } from '../helpers/migration-fixture.js';

/**
 * An error no retry can fix must fail its activity on the first attempt: a spec id the
 * worker's catalog does not know (a client with a newer models/specs.json than the worker's)
 * used to be retried for 15–20 minutes before the migration failed.
 */
describe('errors no retry can fix', () => {
  let fx: MigrationFixture;
  let temporal: TemporalClientHandle;

  before(async () => {
    fx = await MigrationFixture.create();
    await fx.startWorker();
    temporal = await connectTemporal(fx.config);
  });
  after(async () => {
    await temporal.close();
    await fx.close();
  });

  it('an unknown spec fails the migration on the first attempt, alias and registry untouched', async () => {
    const collection = await fx.seedCollection(3);
    const before = await fx.registry.get(collection);
    const request: MigrationRequest = { collection, targetSpecId: 'spec-the-worker-does-not-know' };
    const handle = await temporal.client.workflow.start(MIGRATION_WORKFLOW_TYPE, {
      workflowId: migrationWorkflowId(collection),
      taskQueue: fx.config.temporal.taskQueue,
      args: [request],
    });
    const started = Date.now();
    const failed = await handle.result().then(
      () => assert.fail('the migration should have failed'),
      (error: Error) => error,
    );
    assert.match((failed.cause as Error).message, /failed in PREPARING: Unknown model spec "spec-the-worker-does-not-know"/);
    assert.ok(Date.now() - started < 60_000, `failed after ${Date.now() - started} ms, not after retrying`);

    const { events } = await handle.fetchHistory();
    const attempts = (events ?? []).filter((e) => e.activityTaskStartedEventAttributes).map((e) => e.activityTaskStartedEventAttributes!.attempt);
    const failure = (events ?? []).find((e) => e.activityTaskFailedEventAttributes)?.activityTaskFailedEventAttributes?.failure;
    assert.deepEqual(attempts.slice(0, 1), [1]);
    assert.equal(failure?.applicationFailureInfo?.type, 'UnknownSpecError');
    assert.ok(!attempts.some((a) => (a ?? 1) > 1), 'no activity was retried');

    const status = (await fx.client.status(collection)) as { phase: string; migration: MigrationResult['status'] | null };
    assert.equal(status.phase, 'FAILED');
    const after = await fx.registry.get(collection);
    assert.equal(after.activeIndex, before.activeIndex);
    assert.deepEqual(after.writeTargets, before.writeTargets);
    assert.equal(after.migration, null);
  });
});
