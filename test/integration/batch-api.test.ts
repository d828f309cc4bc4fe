import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createBatchActivities } from '../../src/activities/batch-activities.js';
import { SpecCatalog } from '../../src/embedding/spec-catalog.js';
import { migrationWorkflowId } from '../../src/migration/input.js';
import type { BatchSubmission } from '../../src/migration/batch-reports.js';
import type { MigrationStatus } from '../../src/migration/status.js';
import type { SourceDocument } from '../../src/corpus/source-document.js';
import { versionedIndexName } from '../../src/store/vector-index-layout.js';
import { MigrationFixture, testPassages } from '../helpers/migration-fixture.js';
import { BATCH_LINE_FAILURE, type BatchOptions } from '../helpers/openai-batch-endpoints.js';
import { HASHED_VECTORS, OpenAICompatibleServer } from '../helpers/openai-compatible-server.js';
import { waitFor } from '../helpers/services.js';
import { spawnWorkerProcess } from '../helpers/worker-process.js';

const TARGET = 'openai-3-small-256';
const catalog = SpecCatalog.load();

/** Passages with every fifth one repeating the text of the one before it: identical texts to share a line. */
function corpus(count: number): SourceDocument[] {
  const passages = testPassages();
  return Array.from({ length: count }, (_, i) => {
    const p = passages[i]!;
    return { id: `doc-${String(i).padStart(4, '0')}`, text: i % 5 === 4 ? passages[i - 1]!.text : p.text, metadata: p.metadata };
  });
}

/**
 * The backfill through the OpenAI Batch API against the stand-in server's Files and Batches
 * endpoints: the real `openai` client over HTTP, real Temporal, real Elasticsearch, durable
 * waits between short activities.
 */
describe('backfill through the OpenAI Batch API', () => {
  const servers: OpenAICompatibleServer[] = [];
  const fixtures: MigrationFixture[] = [];
  const children: ChildProcess[] = [];
  const setUp = async (env: Record<string, string> = {}, batches: BatchOptions = {}) => {
    const server = await OpenAICompatibleServer.start(HASHED_VECTORS, { apiKey: 'sk-batch-test', models: ['text-embedding-3-small'], batches });
    servers.push(server);
    const fx = await MigrationFixture.create({
      OPENAI_BASE_URL: server.baseURL,
      OPENAI_API_KEY: server.apiKey,
      REEMBED_BATCH_MAX_REQUESTS_PER_FILE: '25',
      ...env,
    });
    fixtures.push(fx);
    return { server, fx };
  };
  const start = (fx: MigrationFixture, collection: string, extra: Record<string, unknown> = {}) =>
    fx.client.startMigration({ collection, targetSpecId: TARGET, graceMs: 0, batchApi: true, batchPollMs: 200, hotFirstLimit: 0, ...extra });
  const parity = async (fx: MigrationFixture, collection: string, except: readonly string[] = []) => {
    const source = await fx.contents((await fx.registry.get(collection)).activeIndex);
    for (const id of except) source.delete(id);
    assert.deepEqual(await fx.contents(versionedIndexName(collection, catalog.get(TARGET))), source, 'exact id + hash parity');
  };
  const finish = async (fx: MigrationFixture, collection: string) => {
    await fx.client.reject(collection, { by: 'test', reason: 'checked' });
    await fx.client.result(collection);
  };

  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    for (const fx of fixtures) await fx.close();
    for (const s of servers) await s.stop();
  });

  it('migrates through batches at the batch price, identical texts sharing one line, with exact parity', async () => {
    const { server, fx } = await setUp();
    await fx.startWorker();
    const collection = await fx.seedDocuments(corpus(60));
    const estimate = await fx.client.estimate(collection, TARGET);
    assert.equal(estimate.batch?.pricePerMillionTokens, estimate.pricePerMillionTokens / 2, 'half the synchronous price by default');
    await assert.rejects(
      fx.client.startMigration({ collection, targetSpecId: 'minilm-l6-v2-cls', batchApi: true }),
      /--batch-api backfills through the OpenAI Batch API; minilm-l6-v2-cls is embedded by transformers/,
    );
    await start(fx, collection);
    const waiting = await fx.client.waitForPhase(collection, ['AWAITING_APPROVAL'], { timeoutMs: 180_000 });
    await parity(fx, collection);

    const batches = waiting.batchApi!.batches;
    // 60 documents, 12 of them repeating a text: 48 lines, 25 to a file.
    assert.equal(waiting.inputsSaved, 12);
    assert.deepEqual(
      batches.map((b) => [b.lines, b.documents, b.state]),
      [
        [25, 31, 'collected'],
        [23, 29, 'collected'],
      ],
    );
    assert.equal(server.batchApi.linesSubmitted, 48);
    assert.equal(server.batchApi.duplicateSubmissions, 0);
    // Synchronously: the probe and the verification's sample queries, no document.
    assert.equal(server.embedded.length, 1 + waiting.verification!.sampleQueries);
    assert.equal(waiting.batchTokens, server.batchApi.billedTokens, 'batch tokens = tokens the Batch API billed');
    const probeAndQueries = waiting.tokens - waiting.batchTokens!;
    const expected = (server.batchApi.billedTokens * estimate.batch!.pricePerMillionTokens + probeAndQueries * estimate.pricePerMillionTokens) / 1e6;
    assert.ok(
      Math.abs(waiting.spentUsd - expected) < 1e-12,
      `spent ${waiting.spentUsd} = batch tokens at the batch price + the rest at the synchronous price (${expected})`,
    );

    const status = await fx.client.status(collection);
    assert.equal(status.batches.length, 2);
    assert.equal(status.inputsSaved, 12);
    await finish(fx, collection);
    await fx.replay(collection, 'batch-api-backfill');
  });

  it('synchronously too, documents with the same text share one input of a request', async () => {
    const { server, fx } = await setUp();
    await fx.startWorker();
    const collection = await fx.seedDocuments(corpus(20));
    await fx.client.startMigration({ collection, targetSpecId: TARGET, graceMs: 0, hotFirstLimit: 0, batchSize: 10 });
    const waiting = await fx.client.waitForPhase(collection, ['AWAITING_APPROVAL'], { timeoutMs: 120_000 });
    assert.equal(waiting.inputsSaved, 4);
    const texts = new Set(corpus(20).map((d) => d.text));
    assert.equal(
      server.embedded.filter((t) => texts.has(t)).length,
      16 + waiting.verification!.sampleQueries,
      'each distinct text embedded once (and the sample queries)',
    );
    await parity(fx, collection);
    assert.equal((await fx.client.status(collection)).inputsSaved, 4);
    await finish(fx, collection);
  });

  it('an expired batch resubmits only its unfinished lines; a failed line goes synchronous, a refused one to quarantine', async () => {
    const { server, fx } = await setUp({ REEMBED_BATCH_MAX_REQUESTS_PER_FILE: '40' });
    await fx.startWorker();
    const docs = corpus(30).map((d, i) => (i === 3 ? { ...d, text: `${d.text} <<reject>>` } : i === 7 ? { ...d, text: `${d.text} ${BATCH_LINE_FAILURE}` } : d));
    const collection = await fx.seedDocuments(docs);
    server.batchApi.expireNext(0.5);
    await start(fx, collection);
    const waiting = await fx.client.waitForPhase(collection, ['AWAITING_APPROVAL'], { timeoutMs: 180_000 });

    const [expired, again] = waiting.batchApi!.batches;
    assert.match(expired!.note ?? '', /expired: \d+ unfinished line\(s\) submitted again/);
    assert.ok(again, 'a second batch carried the unfinished lines');
    assert.equal(again.lines, expired!.lines - Math.floor(expired!.lines / 2), 'only the unfinished lines went again');
    assert.equal(server.batchApi.duplicateSubmissions, 0);
    assert.equal(waiting.documents.quarantined, 1);
    assert.match(waiting.quarantineSample[0]!.reason, /the Batch API rejected the input \(400/);
    assert.equal(waiting.quarantineSample[0]!.id, 'doc-0003');
    assert.ok(
      server.embedded.some((t) => t.includes(BATCH_LINE_FAILURE)),
      'the failed line was embedded through /v1/embeddings',
    );
    await parity(fx, collection, ['doc-0003']);
    await finish(fx, collection);
  });

  it("a batch refused because the organisation's queue is full is submitted again once it has room", async () => {
    // Another team fills the organisation's queue: the server refuses more than about one file at a time, where reembed's own limit would allow more.
    const { server, fx } = await setUp({ REEMBED_BATCH_MAX_REQUESTS_PER_FILE: '10' }, { completionDelayMs: 1500, maxEnqueuedTokens: 1 });
    await fx.startWorker();
    const collection = await fx.seedDocuments(corpus(30));
    const perFile = (await fx.client.estimate(collection, TARGET)).tokens / 2;
    server.batchApi.setMaxEnqueuedTokens(perFile);
    await start(fx, collection);
    const waiting = await fx.client.waitForPhase(collection, ['AWAITING_APPROVAL'], { timeoutMs: 180_000 });
    const refused = waiting.batchApi!.batches.filter((b) => /Enqueued token limit reached/.test(b.note ?? ''));
    assert.ok(refused.length > 0, 'some batch was refused for a full queue');
    assert.ok(
      refused.every((b) => b.linesDone === 0 && b.tokens === 0 && b.costUsd === 0),
      'a refused batch costs nothing',
    );
    assert.equal(server.batchApi.duplicateSubmissions, 0);
    await parity(fx, collection);
    await finish(fx, collection);
  });

  it('a retried submission finds the batch its crashed attempt created instead of submitting again', async () => {
    const { server, fx } = await setUp({}, { completionDelayMs: 60_000 });
    const collection = await fx.seedDocuments(corpus(10));
    const sourceIndex = (await fx.registry.get(collection)).activeIndex;
    const targetIndex = versionedIndexName(collection, catalog.get(TARGET));
    await fx.store.ensureIndex(targetIndex, catalog.get(TARGET));
    const { submitEmbeddingBatch } = createBatchActivities(fx.services.migrationDeps());
    const input = {
      collection,
      workflowId: migrationWorkflowId(collection),
      sourceIndex,
      targetIndex,
      targetSpecId: TARGET,
      range: { after: null, upTo: null },
      chunk: 1,
      partition: '0',
      enqueuedTokens: 0,
      tokenAllowance: null,
      since: new Date().toISOString(),
    };
    const submit = (): Promise<BatchSubmission> => new MockActivityEnvironment().run(submitEmbeddingBatch, input);
    const first = await submit();
    const retry = await submit();
    assert.equal(retry.batch?.id, first.batch?.id);
    assert.deepEqual(retry.batch?.range, first.batch?.range);
    assert.deepEqual([first.inputsSaved, retry.inputsSaved], [2, 2], 'what the crashed attempt counted comes back with its batch');
    assert.equal(server.batchApi.batches.length, 1, 'one batch created');
    assert.equal(server.batchApi.duplicateSubmissions, 0);
  });

  it('a worker SIGKILLed while its batches are in flight: the new worker waits for them, submits nothing twice, exact parity', async () => {
    const { server, fx } = await setUp({}, { completionDelayMs: 4000 });
    const spawnWorker = () => {
      const child = spawnWorkerProcess(fx.env);
      children.push(child);
      return child;
    };
    const collection = await fx.seedDocuments(corpus(80));
    const first = spawnWorker();
    await start(fx, collection);
    await waitFor(async () => server.batchApi.batches.length >= 2, 'two batches in flight', 120_000);
    // A live write while its document's line waits in a batch: the batch's vector (of the old text) must not land.
    await fx.writer.upsert(collection, [{ id: 'doc-0005', text: 'a text changed while its line waited in a batch' }]);
    first.kill('SIGKILL');
    const inFlight = server.batchApi.batches.filter((b) => b.status === 'in_progress').length;
    assert.ok(inFlight >= 1, 'killed while a batch was in flight');
    spawnWorker();
    const waiting = await fx.client.waitForPhase(collection, ['AWAITING_APPROVAL'], { timeoutMs: 240_000 });
    await parity(fx, collection);
    assert.equal(server.batchApi.duplicateSubmissions, 0, 'no document submitted twice');
    assert.equal(server.batchApi.batches.length, waiting.batchApi!.batches.length, 'every batch created is one the migration knows');
    const changed = await fx.store.getMany(versionedIndexName(collection, catalog.get(TARGET)), ['doc-0005']);
    assert.equal(changed.get('doc-0005')?.content, 'a text changed while its line waited in a batch');
    await finish(fx, collection);
  });

  it('pause cancels the running batches and resume submits what they left; reject cancels them too', async () => {
    const { server, fx } = await setUp({}, { completionDelayMs: 60_000 });
    await fx.startWorker();
    const collection = await fx.seedDocuments(corpus(40));
    await start(fx, collection);
    await waitFor(async () => server.batchApi.batches.length >= 1, 'a batch submitted', 120_000);
    await fx.client.pause(collection, { by: 'ops', reason: 'hold spending' });
    await waitFor(async () => server.batchApi.batches.every((b) => b.status === 'cancelling' || b.status === 'cancelled'), 'batches cancelled', 30_000);
    const cancelled = server.batchApi.batches.length;
    server.batchApi.setCompletionDelay(200);
    await fx.client.resume(collection, { by: 'ops' });
    const waiting = await fx.client.waitForPhase(collection, ['AWAITING_APPROVAL'], { timeoutMs: 180_000 });
    assert.ok(server.batchApi.batches.length > cancelled, 'the cancelled lines were submitted again');
    assert.equal(server.batchApi.duplicateSubmissions, 0);
    assert.ok(waiting.batchApi!.batches.some((b) => b.note?.startsWith('cancelled')));
    await parity(fx, collection);
    await finish(fx, collection);
    await fx.replay(collection, 'batch-api-paused-and-resumed');

    server.batchApi.setCompletionDelay(60_000);
    const rejected = await fx.seedDocuments(corpus(20));
    const before = server.batchApi.batches.length;
    await start(fx, rejected);
    await waitFor(async () => server.batchApi.batches.length > before, 'a batch submitted', 120_000);
    await fx.client.reject(rejected, { by: 'ops', reason: 'wrong model' });
    assert.equal((await fx.client.result(rejected)).phase, 'REJECTED');
    assert.ok(
      server.batchApi.batches.slice(before).every((b) => b.status === 'cancelling' || b.status === 'cancelled'),
      'rejecting cancelled its batches',
    );
  });

  it('the budget counts batch tokens at the batch price and pauses before a batch that would pass it', async () => {
    // $1,000 (synchronous) and $400 (batch) per million tokens make a few thousand tokens worth a budget.
    const { server, fx } = await setUp({ REEMBED_PRICES: `${TARGET}=1000/400`, REEMBED_BATCH_MAX_REQUESTS_PER_FILE: '10' });
    await fx.startWorker();
    const collection = await fx.seedDocuments(corpus(60));
    const estimate = await fx.client.estimate(collection, TARGET);
    assert.equal(estimate.batch!.pricePerMillionTokens, 400);
    // More than the synchronous price allows for everything, less than the batch price needs.
    const budgetUsd = Number((estimate.batch!.costUsd * 0.6).toFixed(4));
    await start(fx, collection, { budgetUsd });
    const paused: MigrationStatus = await fx.client.waitForPhase(collection, ['PAUSED'], { timeoutMs: 180_000 });
    assert.equal(paused.pausedBy, 'budget');
    assert.ok(paused.spentUsd <= budgetUsd, `spent ${paused.spentUsd} within ${budgetUsd}`);
    const probe = paused.tokens - paused.batchTokens!;
    assert.ok(Math.abs(paused.spentUsd - (paused.batchTokens! * 400 + probe * 1000) / 1e6) < 1e-12, 'batch tokens at $400, the probe at $1,000');
    assert.equal(paused.batchTokens, server.batchApi.billedTokens);
    const atSyncPrice = ((budgetUsd - (probe * 1000) / 1e6) / 1000) * 1e6;
    assert.ok(
      paused.batchTokens! > atSyncPrice,
      `${paused.batchTokens} batch tokens: more than the ${atSyncPrice.toFixed(0)} the synchronous price would allow`,
    );
    await fx.client.resume(collection, { by: 'finance', addBudgetUsd: Number(estimate.batch!.costUsd.toFixed(4)) });
    await fx.client.waitForPhase(collection, ['AWAITING_APPROVAL'], { timeoutMs: 180_000 });
    await parity(fx, collection);
    assert.equal(server.batchApi.duplicateSubmissions, 0);
    await finish(fx, collection);
    await fx.replay(collection, 'batch-api-paused-at-budget');
  });
});
