import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { ActionRefusedError } from '../../src/errors.js';
import { migrationWorkflowId } from '../../src/migration/input.js';
import type { MigrationStatus } from '../../src/migration/status.js';
import { verdictOf } from '../../src/migration/quality-gate.js';
import { mean, ndcgAt } from '../../src/migration/retrieval-metrics.js';
import { QuerySample } from '../../src/search/query-sample.js';
import { runReembed } from '../helpers/cli.js';
import { MigrationFixture } from '../helpers/migration-fixture.js';
import { waitFor } from '../helpers/services.js';

const exec = promisify(execFile);
const SOURCE = 'minilm-l6-v2';
const TARGET = 'minilm-l6-v2-cls';
/** Another model altogether: its rankings differ from MiniLM's on most topics. */
const DIFFERENT_MODEL = 'bge-small-en-v1.5';
const TOPICS = [
  'jobs and the economy',
  'health care costs',
  'the war in Iraq',
  'taxes on families',
  'schools and teachers',
  'energy and climate',
  'immigration reform',
  'the deficit and spending',
  'veterans and military families',
  'banks and the financial crisis',
  'manufacturing in America',
  'terrorism and national security',
  'roads, bridges and infrastructure',
  'college tuition and student loans',
  'small businesses',
  'clean energy and oil',
];

/** The quality gate on real migrations: golden queries run against the old and the new index. */
describe('quality gate before approval', () => {
  let fx: MigrationFixture;
  before(async () => {
    fx = await MigrationFixture.create();
    await fx.startWorker();
  });
  after(async () => fx.close());

  async function migrate(collection: string, minQuality?: number, targetSpecId = TARGET): Promise<MigrationStatus> {
    await fx.client.startMigration({ collection, targetSpecId, graceMs: 0, ...(minQuality ? { minQuality } : {}) });
    return fx.client.waitForPhase(collection, ['AWAITING_APPROVAL'], { timeoutMs: 180_000 });
  }

  /** The Temporal CLI the project's setup built: the official way to signal a workflow from a shell. */
  async function temporalSignal(workflowId: string, name: string, payload: unknown): Promise<void> {
    const bin = join(process.env.REEMBED_CACHE ?? join(homedir(), '.cache', 'reembed'), 'bin', 'temporal');
    const { address, namespace } = fx.config.temporal;
    await exec(bin, [
      'workflow',
      'signal',
      '--address',
      address,
      '--namespace',
      namespace,
      '--workflow-id',
      workflowId,
      '--name',
      name,
      '--input',
      JSON.stringify(payload),
    ]);
  }

  /** Ends a migration before cutover and waits until its new index is gone, so the next one starts clean. */
  async function rejectAndWait(collection: string): Promise<void> {
    await fx.client.reject(collection, { by: 'test', reason: 'next verdict' });
    assert.equal((await fx.client.result(collection)).phase, 'REJECTED');
  }

  it('reaches IMPROVEMENT, INCONCLUSIVE and REGRESSION on a real upgrade, and approval answers each: the Temporal CLI signal, a refused Update, the CLI exit codes', async () => {
    const collection = await fx.seedCollection(40);
    // A first run without golden queries shows each index's own top 10 for every topic, searched
    // as the gate searches (each spec's query path, kNN on its index). Labels then come from one
    // side's top 3 where the other side ranks differently; a rerun rebuilds the same new index.
    const first = (await migrate(collection, undefined, DIFFERENT_MODEL)).quality!;
    assert.equal(first.verdict, 'NOT_EVALUATED');
    const waiting = (await fx.client.status(collection)).migration!;
    const specs = [fx.catalog.get(SOURCE), fx.catalog.get(DIFFERENT_MODEL)] as const;
    const ranked: { query: string; old: string[]; new: string[] }[] = [];
    for (const query of TOPICS) {
      const [oldVector, newVector] = await fx.services.providers.embedQuery(specs, query);
      const [oldIds, newIds] = await Promise.all([
        fx.store.knnSearch(waiting.sourceIndex!, oldVector!, 10),
        fx.store.knnSearch(waiting.targetIndex!, newVector!, 10),
      ]);
      ranked.push({ query, old: oldIds.map((h) => h.id), new: newIds.map((h) => h.id) });
    }
    await rejectAndWait(collection);
    // Graded 3, 2, 1 from one side's top 3, keeping only documents the other side's top 3 lacks.
    const labels = (side: 'old' | 'new', other: 'old' | 'new') =>
      ranked
        .map((r) => ({
          query: r.query,
          relevant: Object.fromEntries(r[side].slice(0, 3).flatMap((id, i) => (r[other].slice(0, 3).includes(id) ? [] : [[id, 3 - i]]))),
        }))
        .filter((q) => Object.keys(q.relevant).length > 0);
    const worse = labels('old', 'new');
    const better = labels('new', 'old');
    assert.ok(worse.length >= 6 && better.length >= 6, `${worse.length} and ${better.length} topics rank differently in the two models`);

    // The new model finds what the labels ask for and the old one does not: the interval lies above 0.
    await fx.services.golden.add(collection, better.slice(0, 6), 'file');
    const improved = (await migrate(collection, undefined, DIFFERENT_MODEL)).quality!;
    assert.equal(improved.verdict, 'IMPROVEMENT', improved.reason);
    assert.ok(improved.delta!.ci95[0] > 0 && improved.delta!.pValue === 2 / 64, `exact sign-flip p over 6 gains: ${improved.delta!.pValue}`);
    assert.match(improved.reason, /^at worst \+\d+\.\d%, at best \+\d+\.\d% nDCG@10 \(95% interval, 6 queries\): the new model is better/);
    await temporalSignal(migrationWorkflowId(collection), 'approveCutover', { approver: 'cli-operator', note: 'sent with temporal workflow signal' });
    const grace = await fx.client.waitForPhase(collection, ['GRACE_PERIOD'], { timeoutMs: 30_000 });
    assert.equal(grace.approval?.approver, 'cli-operator');
    await rejectAndWait(collection);

    // Two gains and two losses: nothing is ruled out, and the report says what more would decide.
    await fx.services.golden.clear(collection);
    await fx.services.golden.add(
      collection,
      [...better.slice(0, 2), ...worse.filter((w) => !better.slice(0, 2).some((b) => b.query === w.query)).slice(0, 2)],
      'file',
    );
    const unsure = (await migrate(collection, undefined, DIFFERENT_MODEL)).quality!;
    assert.equal(unsure.verdict, 'INCONCLUSIVE', unsure.reason);
    assert.ok(unsure.queriesNeeded! > 4, `${unsure.queriesNeeded} queries would decide`);
    assert.match(unsure.reason, /too few labelled queries to rule out a drop over the 2% margin; about \d+ more would decide/);
    await assert.rejects(
      fx.client.approve(collection, { approver: 'alice' }),
      (error: Error) => error instanceof ActionRefusedError && /^INCONCLUSIVE: too few labelled queries/.test(error.reason),
    );
    assert.deepEqual((await fx.client.status(collection)).migration!.refusedSignals, [], 'a refused Update leaves no record');
    await temporalSignal(migrationWorkflowId(collection), 'approveCutover', { approver: 'web-ui-user' });
    await waitFor(async () => (await fx.client.status(collection)).migration!.refusedSignals.length === 1, 'the refused signal is recorded');
    assert.match((await fx.client.status(collection)).migration!.refusedSignals[0]!.reason, /^INCONCLUSIVE: too few labelled queries/);
    await rejectAndWait(collection);

    // The old model finds what the labels ask for and the new one ranks it lower: every plausible drop is beyond the margin.
    await fx.services.golden.clear(collection);
    await fx.services.golden.add(collection, [...worse.slice(0, 6), { query: 'an unlabelled question about trade' }], 'file');
    const quality = (await migrate(collection, undefined, DIFFERENT_MODEL)).quality!;
    assert.equal(quality.verdict, 'REGRESSION', quality.reason);
    assert.deepEqual(quality.queries, { labelled: 6, unlabelled: 1 });
    assert.ok(quality.delta!.ci95[1] < -0.02 * quality.old!.ndcg10!);
    assert.ok(quality.metricDeltas!.recall10.delta < 0 && quality.metricDeltas!.mrr10.delta <= 0);
    assert.ok(quality.losers!.length === 6 && quality.losers!.every((q) => q.new < q.old));
    // Each side scores what its own index returns for the query, searched here directly: the right index with the right spec.
    const scored = (side: 'old' | 'new') => mean(worse.slice(0, 6).map((q) => ndcgAt(10, ranked.find((r) => r.query === q.query)![side], q.relevant)))!;
    assert.ok(Math.abs(scored('old') - quality.old!.ndcg10!) < 1e-9, `old nDCG@10 ${quality.old!.ndcg10} vs ${scored('old')} searched directly`);
    assert.ok(Math.abs(scored('new') - quality.new!.ndcg10!) < 1e-9, `new nDCG@10 ${quality.new!.ndcg10} vs ${scored('new')} searched directly`);
    // The verdict follows from the interval of the paired differences, which holds their mean.
    const d = quality.delta!;
    assert.ok(Math.abs(d.ndcg10 - (quality.new!.ndcg10! - quality.old!.ndcg10!)) < 1e-9);
    assert.ok(d.ci95[0] <= d.ndcg10 && d.ndcg10 <= d.ci95[1] && d.pValue > 0 && d.pValue <= 1);
    assert.equal(quality.verdict, verdictOf(d.ci95, quality.old!.ndcg10!, 0.02));
    assert.ok(quality.annRecall10 !== null && quality.annRecall10 >= 0.9, `ANN recall ${quality.annRecall10}`);
    assert.equal(quality.warmup, null, 'the warm-up runs after approval');

    const reembed = (...args: string[]) => runReembed(fx.config.temporal.taskQueue, args);
    const refused = await reembed('approve', collection, '--approver', 'alice');
    assert.equal(refused.code, 3, refused.stderr);
    assert.match(refused.stderr, /^refused: REGRESSION: the new model is worse: Δ −0\.\d{3} \[−\d\.\d{3}, −0\.\d{3}\] nDCG@10\. To cut over anyway/);
    assert.equal((await fx.client.status(collection)).phase, 'AWAITING_APPROVAL', 'nothing changed');
    const accepted = await reembed('approve', collection, '--approver', 'alice', '--acknowledge-regression', '--note', 'the bge space is what we want');
    assert.equal(accepted.code, 0, accepted.stderr);
    assert.match(
      accepted.stdout,
      /^approveCutover accepted by \S+ in AWAITING_APPROVAL \(1 of 1 approvals\): the grace period runs; the read alias moves to the new index at \S+ unless rejected before\./,
    );
    const retained = await fx.client.waitForPhase(collection, ['RETENTION'], { timeoutMs: 60_000 });
    assert.equal(retained.approval?.acknowledgeRegression, true);
    const warmup = retained.quality!.warmup!;
    assert.deepEqual({ queries: warmup.queries, trafficQueries: warmup.trafficQueries, passes: warmup.passes }, { queries: 7, trafficQueries: 0, passes: 5 });
    assert.ok(warmup.cold.p50Ms > 0 && warmup.cold.p95Ms >= warmup.cold.p50Ms && warmup.warm.p95Ms >= warmup.warm.p50Ms);
    const ended = await reembed('end-retention', collection, '--by', 'test', '--json');
    assert.equal(JSON.parse(ended.stdout).action, 'endRetention');
    await fx.client.result(collection);
    // Today's code replays it (and REEMBED_RECORD_HISTORIES keeps it as a fixture of the Update path).
    await fx.replay(collection, 'approved-by-update');
  });

  it('passes when both indexes find what the labels say, and without golden queries it is not evaluated', async () => {
    const passing = await fx.seedCollection(20);
    const docs = await fx.store.scan((await fx.registry.get(passing)).activeIndex, null, 4);
    await fx.services.golden.add(
      passing,
      docs.map((d) => ({ query: d.content!, relevant: { [d.id]: 1 } })),
      'file',
    );
    // Queries searched through an opting-in router join the warm-up.
    const sample = new QuerySample(fx.es, { rate: 1, flushIntervalMs: 0 });
    const router = fx.services.router({ querySample: sample });
    for (const query of ['schools and teachers', 'schools and teachers', 'the war in Iraq']) await router.search(passing, query);
    await sample.close();
    const pass = (await migrate(passing)).quality!;
    assert.equal(pass.verdict, 'PASS', pass.reason);
    assert.equal(pass.queries.labelled, 4);
    await fx.client.approve(passing, { approver: 'bob' });
    const warmed = (await fx.client.waitForPhase(passing, ['RETENTION'], { timeoutMs: 60_000 })).quality!.warmup!;
    assert.deepEqual({ queries: warmed.queries, trafficQueries: warmed.trafficQueries }, { queries: 6, trafficQueries: 2 });
    await fx.client.endRetention(passing, { by: 'test' });

    const unjudged = await fx.seedCollection(10);
    const none = (await migrate(unjudged)).quality!;
    assert.equal(none.verdict, 'NOT_EVALUATED');
    assert.match(none.reason, /no golden queries/);
    await fx.client.reject(unjudged, { by: 'test', reason: 'done' });
  });
});
