import assert from 'node:assert/strict';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createMigrationActivities } from '../../src/activities/index.js';
import { loadConfig } from '../../src/config/env.js';
import { migrationWorkflowId } from '../../src/migration/input.js';
import type { QualityReport } from '../../src/migration/reports.js';
import { Services } from '../../src/services.js';
import { versionedIndexName } from '../../src/store/vector-index-layout.js';
import { loadSotuGoldenCorpus } from '../../src/corpus/sotu.js';
import { NO_SOURCE_TEXT_REASON } from '../../src/migration/status.js';
import { runReembed } from '../helpers/cli.js';
import { testPassages, withWorkerFixture } from '../helpers/migration-fixture.js';

const OLD = 'minilm-l6-v2';
/**
 * Retiring a spec is visible to every process on the cluster, and the other test files write
 * with MiniLM while this one runs: the retirement test retires a spec no other file writes with.
 */
const RETIRED = 'e5-small-v2';
const NEW = 'bge-small-en-v1.5';
/** An explicit minimum agreement low enough for real pairs of these models (bench: npm run bench -- adapter). */
const LOW_GATE = 0.3;

/** A models folder holding only the new model: a process for which the old one is gone. */
function withoutOldModel(modelsDir: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'reembed-retired-'));
  symlinkSync(join(modelsDir, 'bge-small-en-v1.5'), join(dir, 'bge-small-en-v1.5'));
  return dir;
}

describe('adapters between two specs', () => {
  const fx = withWorkerFixture();

  /** Rewrites these documents of the collection's active index without their text, as an older import stored them. */
  async function dropText(collection: string, ids: readonly string[]): Promise<void> {
    const { activeIndex } = await fx().registry.get(collection);
    const [docs, vectors] = await Promise.all([fx().store.getMany(activeIndex, ids, false), fx().store.vectorsOf(activeIndex, ids)]);
    await fx().store.bulkUpsert(
      activeIndex,
      fx().catalog.get(OLD),
      ids.map((id) => ({ id, vector: vectors.get(id)!, sourceHash: docs.get(id)!.sourceHash })),
    );
    await fx().store.refresh(activeIndex);
  }

  it('judged on labelled golden queries, an adapter whose top-10 agreement is under 0.9 carries documents without text across, and their hits say adapted', async () => {
    const corpus = await loadSotuGoldenCorpus();
    // One relevant document per golden query loses its text: without an adapter, no search would find it.
    const textless = [...new Set(corpus.queries.map((q) => Object.entries(q.relevant!).sort((a, b) => b[1] - a[1])[0]![0]))];
    const relevant = new Set(corpus.queries.flatMap((q) => Object.keys(q.relevant!)));
    const filler = corpus.documents.filter((d) => !relevant.has(d.id)).slice(0, 200 - relevant.size);
    const collection = await fx().seedDocuments([...corpus.documents.filter((d) => relevant.has(d.id)), ...filler]);
    await dropText(collection, textless);
    await fx().services.golden.add(collection, corpus.queries, 'file');

    await fx().client.startMigration({ collection, targetSpecId: NEW, graceMs: 0 });
    const waiting = await fx().client.waitForPhase(collection, ['AWAITING_APPROVAL'], { timeoutMs: 300_000 });
    assert.equal(waiting.verification?.ok, true, JSON.stringify(waiting.verification));
    assert.deepEqual([waiting.adaptation?.candidates, waiting.adaptation?.adapted], [textless.length, textless.length], waiting.adaptation?.refused);
    assert.deepEqual(waiting.unsearchableAfterCutover, { count: 0, ids: [], reasons: {} });
    const adapter = (await fx().client.status(collection)).adapters[0]!;
    const judged = adapter.judgement!.documents;
    assert.equal(judged.basis, 'labels');
    assert.equal(judged.usable, true, judged.reason);
    assert.ok(adapter.report.recall.documents < 0.9, `strict agreement ${adapter.report.recall.documents}`);
    assert.ok(judged.labelled!.ndcg10.with > judged.labelled!.ndcg10.without, judged.reason);
    assert.equal(judged.labelled!.queries, corpus.queries.length);
    assert.equal(judged.queriesWithRelevantOnlyInOld, corpus.queries.length);
    const target = versionedIndexName(collection, fx().catalog.get(NEW));
    const written = await fx().es.search({ index: target, size: 50, query: { term: { adapted: true } }, _source: false });
    assert.deepEqual(written.hits.hits.map((h) => String(h._id)).sort(), [...textless].sort());

    await fx().client.approve(collection, { approver: 'test', acknowledgeRegression: true });
    await fx().client.waitForPhase(collection, ['RETENTION'], { timeoutMs: 60_000 });
    const router = fx().services.router({ registryCacheMs: 0 });
    const hits = (await Promise.all(corpus.queries.map((q) => router.search(collection, q.query, { k: 20 })))).flatMap((r) => r.hits);
    const adaptedHits = hits.filter((h) => h.adapted);
    assert.ok(adaptedHits.length > 0, 'the golden queries find adapted documents in the new index');
    assert.ok(
      hits.every((h) => (h.adapted === true) === textless.includes(h.id)),
      'exactly the documents without text are marked adapted',
    );
    await fx().client.endRetention(collection, { by: 'test' });
    await fx().client.result(collection);
    await fx().replay(collection, 'adapted-documents');
  });

  it('documents no search would find after the cutover need --acknowledge-missing, stay listed through retention, and come back on rollback', async () => {
    // Fewer than the 100 documents an adapter needs: the documents without text cannot be carried across.
    const passages = testPassages().slice(0, 60);
    const collection = await fx().seedDocuments(passages);
    const gone = passages.slice(10, 15);
    await dropText(
      collection,
      gone.map((d) => d.id),
    );
    await fx().client.startMigration({ collection, targetSpecId: NEW, graceMs: 0 });
    const waiting = await fx().client.waitForPhase(collection, ['AWAITING_APPROVAL'], { timeoutMs: 300_000 });
    assert.match(waiting.adaptation?.refused ?? '', /no adapter could be fitted: an adapter needs at least 100 documents/);
    const expected = { count: 5, ids: gone.map((d) => d.id).sort(), reasons: { [NO_SOURCE_TEXT_REASON]: 5 } };
    assert.deepEqual(waiting.unsearchableAfterCutover, expected);

    const reembed = (...args: string[]) => runReembed(fx().config.temporal.taskQueue, args);
    assert.deepEqual(JSON.parse((await reembed('status', collection, '--json')).stdout).unsearchableAfterCutover, expected);
    assert.match((await reembed('status', collection)).stdout, /unsearchable: 5 document\(s\) \(.+\) would stop being searchable after the cutover/);
    const refused = await reembed('approve', collection, '--approver', 'alice');
    assert.equal(refused.code, 3, refused.stderr);
    assert.match(
      refused.stderr,
      /^refused: 5 document\(s\) \(.+\) would stop being searchable after the cutover: .*approve with "acknowledgeMissing": true \(reembed approve --acknowledge-missing\)/,
    );
    const accepted = await reembed('approve', collection, '--approver', 'alice', '--acknowledge-missing');
    assert.equal(accepted.code, 0, accepted.stderr);

    const retained = await fx().client.waitForPhase(collection, ['RETENTION'], { timeoutMs: 60_000 });
    assert.equal(retained.approval?.acknowledgeMissing, true);
    assert.deepEqual(retained.unsearchableAfterCutover, expected, 'still listed during retention');
    assert.match(
      (await reembed('status', collection)).stdout,
      /unsearchable: 5 document\(s\) .* are not searchable since the cutover \(a rollback brings them back\)/,
    );
    const router = fx().services.router({ registryCacheMs: 0 });
    const found = async () => {
      const results = await Promise.all(gone.map((d) => router.search(collection, d.text, { k: 10 })));
      return gone.filter((d, i) => results[i]!.hits.some((h) => h.id === d.id)).length;
    };
    assert.equal(await found(), 0, 'the new index holds none of them');

    await fx().client.rollback(collection, { by: 'alice', reason: 'we need those documents' });
    await fx().client.waitForPhase(collection, ['ROLLED_BACK'], { timeoutMs: 60_000 });
    assert.equal(await found(), gone.length, 'the old index serves them again');
    await fx().replay(collection, 'acknowledged-missing');
  });

  it('while the old spec is retired, searches reach the old index through the adapter and writes give it mapped vectors', async () => {
    const collection = await fx().seedCollection(200, RETIRED);
    const source = (await fx().registry.get(collection)).activeIndex;
    const target = versionedIndexName(collection, fx().catalog.get(NEW));
    await fx().client.startMigration({ collection, targetSpecId: NEW });
    await fx().client.waitForPhase(collection, ['AWAITING_APPROVAL'], { timeoutMs: 300_000 });

    // A search service in which the old model no longer exists.
    const gone = new Services(loadConfig({ ...process.env, REEMBED_MODELS_DIR: withoutOldModel(fx().config.modelsDir) }));
    try {
      const router = gone.router({ registryCacheMs: 0 });
      await assert.rejects(router.search(collection, 'jobs and the economy'), /Could not load local model "e5-small-v2"/);

      // A collection searching with the spec and not migrating away is named: its queries cannot be embedded any more.
      const stranded = await fx().seedCollection(3, RETIRED);
      const refused = await fx().client.retireSpec(RETIRED, { by: 'test', minAdapterRecall: 0.99 });
      assert.ok(refused.stranded.includes(stranded) && !refused.stranded.includes(collection));
      assert.equal(refused.migrations.find((m) => m.collection === collection)?.adapter?.usable.queries, false);
      // The quality gate cannot query the old index either: it says so instead of calling the retired model.
      await fx().services.golden.add(collection, [{ query: 'jobs and the economy' }, { query: 'health care costs' }], 'file');
      const indexes = { collection, workflowId: migrationWorkflowId(collection), sourceIndex: source, targetIndex: target, targetSpecId: NEW };
      const gate = { ...indexes, sourceSpecId: RETIRED, minQuality: 0.98, minOverlap: 0.1 };
      const unmeasured: QualityReport = await new MockActivityEnvironment().run(createMigrationActivities(gone.migrationDeps()).evaluateQuality, gate);
      assert.equal(unmeasured.verdict, 'NOT_EVALUATED');
      assert.match(unmeasured.reason, /e5-small-v2 is retired and no adapter passed its gate/);

      const newOnly = await router.search(collection, 'jobs and the economy');
      assert.equal(newOnly.route, 'new-only');
      assert.ok(newOnly.hits.length > 0 && newOnly.hits.every((h) => h.specId === NEW));

      const retired = await fx().client.retireSpec(RETIRED, { by: 'test', minAdapterRecall: LOW_GATE });
      const fitted = retired.migrations.find((m) => m.collection === collection)!.adapter!;
      assert.equal(fitted.usable.queries, true);
      const adapted = await router.search(collection, 'jobs and the economy');
      assert.equal(adapted.route, 'merged');
      assert.equal(adapted.adaptedQuery, true);
      assert.ok(
        adapted.hits.some((h) => h.index === source),
        'the old index answered the mapped query',
      );
      const measured: QualityReport = await new MockActivityEnvironment().run(createMigrationActivities(gone.migrationDeps()).evaluateQuality, gate);
      assert.equal(measured.queries.unlabelled, 2);
      assert.ok(measured.overlap10 !== null && measured.overlap10 > 0, 'old and new compared through the adapter');

      const writer = gone.writer({ registryCacheMs: 0 });
      // A collection only on the retired spec: nothing can embed its documents, and the write says so.
      const strandedWrite = await writer.upsert(stranded, [{ id: 'stranded-1', text: 'A write nothing can embed.' }]);
      assert.equal(strandedWrite.written, 0);
      assert.match(strandedWrite.failed[0]?.reason ?? '', /every index of "mig-[^"]+" is on a retired spec \(e5-small-v2\)/);
      const result = await writer.upsert(collection, [{ id: 'written-while-retired', text: 'A new factory opened in Ohio, bringing jobs back.' }]);
      assert.equal(result.written, 1);
      await fx().store.refresh(source);
      const inOld = await fx().store.vectorsOf(source, ['written-while-retired']);
      assert.equal(inOld.get('written-while-retired')?.length, 384, 'the old index got a mapped vector');
      assert.deepEqual(
        (await fx().client.retiredSpecs()).map((r) => r.specId),
        [RETIRED],
      );
      const listed = await runReembed(fx().config.temporal.taskQueue, ['spec', 'list', '--json']);
      assert.deepEqual(
        (JSON.parse(listed.stdout) as { specId: string }[]).map((r) => r.specId),
        [RETIRED],
      );
      const missing = await runReembed(fx().config.temporal.taskQueue, ['spec', 'retire']);
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /reembed spec retire needs a spec id/);
    } finally {
      await fx().client.restoreSpec(RETIRED);
      await gone.close();
      await fx().client.reject(collection, { by: 'test', reason: 'done' });
    }
  });
});
