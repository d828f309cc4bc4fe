import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createMigrationActivities } from '../../src/activities/index.js';
import { versionedIndexName } from '../../src/store/vector-index-layout.js';
import { DAY_MS, migrationWorkflowId } from '../../src/migration/input.js';
import { STATUS_QUERY, type ActionOutcome } from '../../src/migration/messages.js';
import type { MigrationStatus } from '../../src/migration/status.js';
import type { migrationWorkflow } from '../../src/workflows/migration-workflow.js';
import { MigrationFixture } from '../helpers/migration-fixture.js';
import { waitFor } from '../helpers/services.js';
import { cachedWorkflowBundle } from '../helpers/workflow-bundle.js';

const TEST_SERVER = join(process.env.REEMBED_CACHE ?? join(homedir(), '.cache', 'reembed'), 'bin', 'temporal-test-server');

/** Timers of the given length the workflow has started (short staleness waits are not counted). */
async function timersOf(
  handle: { fetchHistory(): Promise<{ events?: { timerStartedEventAttributes?: { startToFireTimeout?: { seconds?: unknown } | null } | null }[] | null }> },
  ms: number,
): Promise<number> {
  const { events } = await handle.fetchHistory();
  return (events ?? []).filter((e) => Number(e.timerStartedEventAttributes?.startToFireTimeout?.seconds ?? 0) === ms / 1000).length;
}
const sevenDayTimers = (handle: Parameters<typeof timersOf>[0]) => timersOf(handle, 7 * DAY_MS);
/**
 * Under load the Java test server has been seen to stall (a workflow task expired, time never
 * advanced again); every wait has a deadline so a stall fails the test by name, not the whole run.
 */
const SCENARIO_TIMEOUT = { timeout: 240_000 };
const WAIT_MS = 90_000;
/** A loaded machine can take more than the default 10 s over a first workflow task (a fresh worker's sandbox). */
const WORKFLOW_TASK_TIMEOUT = '1 minute';

describe('7-day grace period and retention under time skipping', () => {
  let fx: MigrationFixture;
  let env: TestWorkflowEnvironment;
  before(async () => {
    fx = await MigrationFixture.create();
    env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: TEST_SERVER } } });
    // The server starts with time skipping unlocked: a workflow left waiting on no timer of its
    // own (AWAITING_APPROVAL once its last activity ended) was carried to its 10-year execution
    // timeout before the approval arrived. Locked, time moves only in env.sleep and result().
    await env.connection.testService!.lockTimeSkipping({});
  });
  after(async () => {
    await env?.teardown();
    await fx.close();
  });

  async function withWorker<T>(fn: () => Promise<T>): Promise<T> {
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: 'time-skipping',
      workflowBundle: await cachedWorkflowBundle(),
      activities: createMigrationActivities(fx.services.migrationDeps()),
    });
    return worker.runUntil(fn);
  }

  it('waits 7 days before cutover and 7 more before cleanup, in seconds of real time', SCENARIO_TIMEOUT, async () => {
    const collection = await fx.seedCollection(30);
    const source = (await fx.registry.get(collection)).activeIndex;
    const started = Date.now();
    await withWorker(async () => {
      const handle = await env.client.workflow.start<typeof migrationWorkflow>('migrationWorkflow', {
        workflowId: migrationWorkflowId(collection),
        taskQueue: 'time-skipping',
        workflowTaskTimeout: WORKFLOW_TASK_TIMEOUT,
        // The Java test server has no operator API to register search attributes with.
        args: [{ collection, targetSpecId: 'minilm-l6-v2-cls', graceMs: 7 * DAY_MS, retentionMs: 7 * DAY_MS, searchAttributes: false }],
      });
      const reach = (phase: string) =>
        waitFor(
          async () => {
            const s = await handle.query<MigrationStatus>(STATUS_QUERY);
            assert.ok(!['FAILED', 'REJECTED'].includes(s.phase), s.error);
            return s.phase === phase;
          },
          `phase ${phase}`,
          WAIT_MS,
        );
      // Time stays locked while activities run in real time; we advance it explicitly,
      // and only once the workflow's 7-day timer exists, so the jump lands on that timer.
      const timersStarted = (count: number) => waitFor(async () => (await sevenDayTimers(handle)) >= count, `${count} seven-day timer(s)`, WAIT_MS);
      await reach('AWAITING_APPROVAL');
      // As an Update, the approval answers with when the cutover will run: one grace period on.
      const outcome = await handle.executeUpdate<ActionOutcome, [unknown]>('approveCutover', { args: [{ approver: 'time-traveller' }] });
      assert.deepEqual(outcome.approvals, { given: 1, required: 1 });
      await timersStarted(1);
      await env.sleep('7 days');
      await reach('RETENTION');
      await timersStarted(2);
      await env.sleep('7 days');
      // Awaiting the result unlocks time skipping; while cleanup activities run there is
      // no timer to skip to, so wait for the end with time still locked.
      await reach('COMPLETED');
      const { phase, status } = await handle.result();
      assert.equal(phase, 'COMPLETED');
      const approvedAt = Date.parse(status.approval!.at);
      assert.equal(outcome.cutoverAt, status.graceEndsAt, 'the Update named the end of the grace period');
      assert.ok(Date.parse(outcome.cutoverAt!) - approvedAt >= 7 * DAY_MS);
      assert.ok(Date.parse(status.cutoverAt!) >= Date.parse(outcome.cutoverAt!), 'cutover waited out the grace period');
      assert.ok(Date.parse(status.phaseStartedAt) - Date.parse(status.cutoverAt!) >= 7 * DAY_MS, 'cleanup waited out retention');
    });
    assert.ok(Date.now() - started < 120_000, `took ${Date.now() - started} ms of real time`);
    assert.equal(await fx.store.exists(source), false, 'old index cleaned up after retention');
  });

  it('rejects by itself when nobody decides within the approval timeout', SCENARIO_TIMEOUT, async () => {
    const collection = await fx.seedCollection(20);
    const source = (await fx.registry.get(collection)).activeIndex;
    const target = versionedIndexName(collection, fx.catalog.get('minilm-l6-v2-cls'));
    await withWorker(async () => {
      const handle = await env.client.workflow.start<typeof migrationWorkflow>('migrationWorkflow', {
        workflowId: migrationWorkflowId(collection),
        taskQueue: 'time-skipping',
        workflowTaskTimeout: WORKFLOW_TASK_TIMEOUT,
        args: [{ collection, targetSpecId: 'minilm-l6-v2-cls', approvalTimeoutMs: 2 * DAY_MS, searchAttributes: false }],
      });
      await waitFor(async () => (await timersOf(handle, 2 * DAY_MS)) > 0, 'the approval timeout timer', WAIT_MS);
      await env.sleep('2 days');
      await waitFor(async () => (await handle.query<MigrationStatus>(STATUS_QUERY)).phase === 'REJECTED', 'phase REJECTED', WAIT_MS);
      const { phase, status } = await handle.result();
      assert.equal(phase, 'REJECTED');
      assert.equal(status.rejection?.by, 'reembed');
      assert.match(status.rejection?.reason ?? '', /no decision within the approval timeout/);
    });
    assert.deepEqual(await fx.aliases.targets(collection), [source]);
    assert.equal(await fx.store.exists(target), false);
  });
});
