import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WorkflowUpdateFailedError, type WorkflowHandleWithFirstExecutionRunId as WorkflowHandle } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { migrationWorkflowId, type MigrationRequest } from '../../src/migration/input.js';
import { STATUS_QUERY, type ActionOutcome, type SignalName } from '../../src/migration/messages.js';
import type { MigrationResult, MigrationStatus } from '../../src/migration/status.js';
import type { QueryOutcome } from '../../src/migration/quality-gate.js';
import { loadConfig } from '../../src/config/env.js';
import { uniqueName, waitFor } from '../helpers/services.js';
import { cachedWorkflowBundle } from '../helpers/workflow-bundle.js';
import { StubMigration } from '../helpers/stub-activities.js';

/**
 * The migration workflow against in-memory stub activities on the Temporal dev server: every
 * phase transition and operator action in seconds, without Elasticsearch or models, with
 * grace periods and timeouts of a second. The full-stack tests prove the activities; these
 * prove the orchestration. (On the Java time-skipping server each continue-as-new handover
 * took about 20 s; 7-day timers are tested there, in test/integration/time-skipping.test.ts.)
 */

/** Labelled outcomes: `gain` queries the new index answers better, `loss` ones it answers worse. */
const GRACE_MS = 1_000;

const outcomes = (gain: number, loss: number): QueryOutcome[] => [
  ...Array.from({ length: gain }, (_, i) => ({ query: `g${i}`, relevant: { a: 1 }, oldIds: ['x', 'a'], newIds: ['a'] })),
  ...Array.from({ length: loss }, (_, i) => ({ query: `l${i}`, relevant: { a: 1 }, oldIds: ['a'], newIds: ['x', 'y'] })),
];

describe('migration workflow against stub activities', () => {
  let env: TestWorkflowEnvironment;
  let workflowBundle: { codePath: string };
  before(async () => {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    // A missing dev server fails here, loudly: npm test starts it.
    const { temporal } = loadConfig();
    // Bundled once: every test starts a worker of its own on the same code.
    [env, workflowBundle] = await Promise.all([
      TestWorkflowEnvironment.createFromExistingServer({ address: temporal.address, namespace: temporal.namespace }),
      cachedWorkflowBundle(),
    ]);
  });
  after(async () => env?.teardown());

  /** Runs `test` with a worker serving `stub`, on a migration started with `request`. */
  async function run(stub: StubMigration, request: Partial<MigrationRequest>, test: (h: WorkflowHandle) => Promise<void>): Promise<void> {
    // A task queue of its own, so no other test's worker runs these activities.
    const taskQueue = uniqueName('workflow-stubs');
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, activities: stub.activities() });
    const collection = uniqueName('stub');
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('migrationWorkflow', {
        workflowId: migrationWorkflowId(collection),
        taskQueue,
        // Stubs record no search attributes; staleness waits are for real writers.
        args: [
          {
            collection,
            targetSpecId: 'new-spec',
            searchAttributes: false,
            writerStalenessMs: 0,
            batchSize: 10,
            batchesPerActivity: 1,
            graceMs: GRACE_MS,
            ...request,
          },
        ],
      });
      await test(handle);
      // The worker stops only once the migration has ended (its last activities done).
      await handle.result().catch(() => undefined);
    });
  }

  const status = (h: WorkflowHandle) => h.query<MigrationStatus>(STATUS_QUERY);
  async function reach(h: WorkflowHandle, phase: string): Promise<MigrationStatus> {
    let s: MigrationStatus | undefined;
    await waitFor(
      async () => {
        s = await status(h);
        if (s.phase === phase || (phase === 'PAUSED' && s.paused)) return true;
        assert.ok(!['FAILED', 'REJECTED', 'COMPLETED', 'ROLLED_BACK'].includes(s.phase), `ended in ${s.phase}: ${s.error ?? ''}`);
        return false;
      },
      `phase ${phase}`,
      30_000,
      20,
    );
    return s!;
  }
  /** The workflow's result, having checked that it ended in `phase`. */
  async function ended(h: WorkflowHandle, phase: string): Promise<MigrationResult> {
    await reach(h, phase);
    return (await h.result()) as MigrationResult;
  }
  const act = (h: WorkflowHandle, name: SignalName, payload: unknown) => h.executeUpdate<ActionOutcome, [unknown]>(name, { args: [payload] });
  async function refused(h: WorkflowHandle, name: SignalName, payload: unknown): Promise<string> {
    const error = await act(h, name, payload).then(
      () => assert.fail(`${name} should have been refused`),
      (e: Error) => e,
    );
    assert.ok(error instanceof WorkflowUpdateFailedError, String(error));
    return (error.cause as Error).message;
  }
  const phasesRecorded = (stub: StubMigration) => stub.names('recordPhase').map((i) => (i as { phase: string }).phase);

  it('runs every phase in order to COMPLETED, the Update naming the end of the grace period; a canary capture that fails does not stop it', async () => {
    const stub = new StubMigration(45);
    stub.outcomes = outcomes(4, 0);
    stub.fatal.set('captureCanaries', 'the canary index is unavailable (stub)');
    await run(stub, {}, async (h) => {
      const waiting = await reach(h, 'AWAITING_APPROVAL');
      assert.equal(waiting.quality?.verdict, 'IMPROVEMENT');
      assert.deepEqual(waiting.documents, { total: 45, migrated: 45, quarantined: 0, truncated: 0 });
      const outcome = await act(h, 'approveCutover', { approver: 'alice' });
      assert.equal(outcome.phase, 'AWAITING_APPROVAL');
      assert.equal(outcome.cutoverAt, (await status(h)).graceEndsAt);
      assert.equal(Date.parse(outcome.cutoverAt!) - Date.parse((await status(h)).approval!.at) >= GRACE_MS, true);
      await reach(h, 'RETENTION');
      assert.match((await act(h, 'endRetention', { by: 'alice' })).next, /old index stub-[\w-]+__old is deleted/);
      assert.equal((await ended(h, 'COMPLETED')).phase, 'COMPLETED');
    });
    assert.deepEqual(phasesRecorded(stub), ['BACKFILLING', 'CATCHING_UP', 'VERIFYING', 'AWAITING_APPROVAL', 'GRACE_PERIOD', 'CUTOVER', 'RETENTION']);
    assert.equal(stub.names('backfillChunk').length, 5, '45 documents in batches of 10');
    assert.deepEqual(
      stub.calls.map((c) => c.name).filter((name) => ['cutover', 'captureCanaries', 'finishMigration'].includes(name)),
      ['cutover', 'captureCanaries', 'finishMigration'],
      'canaries are captured after the cutover, once (a failure is not retried into the retention)',
    );
    assert.deepEqual(
      stub.names('deleteRetiredIndex').map((i) => (i as { index: string }).index),
      [(stub.names('cutover')[0] as { sourceIndex: string }).sourceIndex],
      'only the old index is deleted, after the cutover',
    );
  });

  it('rejects in BACKFILLING, in AWAITING_APPROVAL and in the grace period; refuses a rejection after cutover', async () => {
    for (const phase of ['BACKFILLING', 'AWAITING_APPROVAL', 'GRACE_PERIOD'] as const) {
      const stub = new StubMigration(30);
      if (phase === 'BACKFILLING') stub.hold('backfillChunk');
      await run(stub, {}, async (h) => {
        if (phase === 'BACKFILLING') await stub.called('backfillChunk');
        else await reach(h, 'AWAITING_APPROVAL');
        if (phase === 'GRACE_PERIOD') {
          await act(h, 'approveCutover', { approver: 'alice' });
          await reach(h, 'GRACE_PERIOD');
        }
        assert.match((await act(h, 'rejectCutover', { by: 'bob', reason: 'no' })).next, /read alias stays on stub-[\w-]+__old/);
        stub.release('backfillChunk');
        assert.equal((await ended(h, 'REJECTED')).phase, 'REJECTED', phase);
      });
      assert.equal(stub.names('cutover').length, 0, `no cutover after a rejection in ${phase}`);
      assert.deepEqual(
        stub.names('abandonMigration').map((i) => (i as { outcome: string }).outcome),
        ['REJECTED'],
      );
      assert.match((stub.names('deleteRetiredIndex')[0] as { index: string }).index, /__new$/, 'the new index is deleted');
    }
    const late = new StubMigration(10);
    await run(late, { graceMs: 0 }, async (h) => {
      await reach(h, 'AWAITING_APPROVAL');
      await act(h, 'approveCutover', { approver: 'alice' });
      await reach(h, 'RETENTION');
      assert.match(await refused(h, 'rejectCutover', { by: 'bob', reason: 'too late' }), /only possible before cutover; the migration is in RETENTION/);
      await act(h, 'rollback', { by: 'bob', reason: 'latency' });
      assert.equal((await ended(h, 'ROLLED_BACK')).phase, 'ROLLED_BACK');
    });
    assert.equal(late.names('rollbackCutover').length, 1);
    assert.match((late.names('deleteRetiredIndex')[0] as { index: string }).index, /__new$/, 'rollback deletes the new index, never the old');
  });

  it('rejects by itself when the approval timeout passes', async () => {
    const stub = new StubMigration(10);
    await run(stub, { approvalTimeoutMs: 1_500 }, async (h) => {
      await reach(h, 'AWAITING_APPROVAL');
      const { status: s } = await ended(h, 'REJECTED');
      assert.equal(s.rejection?.by, 'reembed');
    });
  });

  it('pauses at the budget, refuses a resume without more, and goes on with more', async () => {
    const stub = new StubMigration(40);
    stub.price = 1_000; // $0.01 per 10-token document
    await run(stub, { budgetUsd: 0.155 }, async (h) => {
      const paused = await reach(h, 'PAUSED');
      assert.equal(paused.pausedBy, 'budget');
      assert.equal(paused.documents.migrated, 15, 'stopped before the batch that would pass $0.155');
      assert.match(await refused(h, 'resume', { by: 'finance' }), /the budget of \$0\.155 is used up/);
      assert.match((await act(h, 'resume', { by: 'finance', addBudgetUsd: 1 })).next, /with a budget of \$1\.155/);
      const waiting = await reach(h, 'AWAITING_APPROVAL');
      assert.equal(waiting.documents.migrated, 40);
      assert.ok(Math.abs(waiting.spentUsd - 0.4) < 1e-9, `spent ${waiting.spentUsd}`);
      await act(h, 'rejectCutover', { by: 't', reason: 'done' });
    });
  });

  it('pauses for a provider misconfiguration and resumes where it stopped', async () => {
    const stub = new StubMigration(20);
    stub.providerFailures.add('backfillChunk');
    await run(stub, {}, async (h) => {
      const paused = await reach(h, 'PAUSED');
      assert.equal(paused.pausedBy, 'provider');
      assert.match(paused.pauseReason!, /the provider refused the API key \(stub\) Then: reembed resume stub-[\w-]+/);
      assert.match(await refused(h, 'approveCutover', { approver: 'a' }), /only possible in AWAITING_APPROVAL; the migration is in BACKFILLING/);
      await act(h, 'resume', { by: 'ops' });
      assert.equal((await reach(h, 'AWAITING_APPROVAL')).documents.migrated, 20);
      await act(h, 'rejectCutover', { by: 't', reason: 'done' });
    });
  });

  it('hands over to new runs (continue-as-new) while partitions copy in parallel, counting every document once', async () => {
    const stub = new StubMigration(60);
    await run(stub, { parallelism: 3, activitiesPerRun: 3 }, async (h) => {
      const waiting = await reach(h, 'AWAITING_APPROVAL');
      assert.equal(waiting.documents.migrated, 60);
      assert.deepEqual(
        waiting.partitions!.map((p) => [p.migrated, p.done]),
        [
          [20, true],
          [20, true],
          [20, true],
        ],
      );
      const { runId } = await h.describe();
      assert.notEqual(runId, h.firstExecutionRunId, 'the backfill continued as new');
      await act(h, 'rejectCutover', { by: 't', reason: 'done' });
    });
    const copied = stub.names('backfillChunk').length;
    assert.equal(copied, 6, '60 documents in batches of 10, none copied twice');
    assert.equal(stub.names('planPartitions').length, 1, 'partitions are planned once and carried across runs');
  });

  it('needs an acknowledgement to approve INCONCLUSIVE and REGRESSION verdicts', async () => {
    for (const [gain, loss, verdict] of [
      [1, 1, 'INCONCLUSIVE'],
      [0, 5, 'REGRESSION'],
    ] as const) {
      const stub = new StubMigration(10);
      stub.outcomes = outcomes(gain, loss);
      await run(stub, {}, async (h) => {
        const waiting = await reach(h, 'AWAITING_APPROVAL');
        assert.equal(waiting.quality?.verdict, verdict);
        assert.match(
          await refused(h, 'approveCutover', { approver: 'alice' }),
          new RegExp(`^${verdict}: .* To cut over anyway, approve with "acknowledgeRegression": true`),
        );
        assert.deepEqual((await status(h)).refusedSignals, [], 'a refused Update leaves no record');
        await h.signal('approveCutover', { approver: 'web-ui' });
        await waitFor(async () => (await status(h)).refusedSignals.length > 0, 'the refused signal recorded', 30_000, 20);
        assert.match((await status(h)).refusedSignals[0]!.reason, new RegExp(`^${verdict}: `), 'a refused signal is recorded');
        const accepted = await act(h, 'approveCutover', { approver: 'alice', acknowledgeRegression: true });
        assert.ok(accepted.cutoverAt);
        await act(h, 'rejectCutover', { by: 't', reason: 'done' });
      });
    }
  });

  it('fails a verification with gaps, and names the phase an activity failed in', async () => {
    const gaps = new StubMigration(10);
    gaps.verificationProblems = ['3 documents missing'];
    await run(gaps, {}, async (h) => {
      const { status: s } = await ended(h, 'FAILED');
      assert.match(s.error!, /verification failed: 3 documents missing/);
    });
    const broken = new StubMigration(10);
    broken.fatal.set('catchUpPass', 'the source index is gone');
    await run(broken, {}, async (h) => {
      await reach(h, 'FAILED');
      const error = await h.result().then(
        () => assert.fail('should fail'),
        (e: Error) => e,
      );
      assert.match((error.cause as Error).message, /failed in CATCHING_UP: the source index is gone/);
    });
    assert.deepEqual(
      broken.names('abandonMigration').map((i) => (i as { outcome: string }).outcome),
      ['FAILED'],
    );
  });

  it('abandons a migration cancelled before cutover, leaving the alias', async () => {
    const stub = new StubMigration(30);
    await run(stub, {}, async (h) => {
      await reach(h, 'AWAITING_APPROVAL');
      await h.cancel();
      await reach(h, 'FAILED');
      await assert.rejects(h.result());
    });
    assert.deepEqual(
      stub.names('abandonMigration').map((i) => (i as { outcome: string; reason: string }).reason),
      ['the migration workflow was cancelled'],
    );
    assert.equal(stub.names('cutover').length, 0);
  });
});
