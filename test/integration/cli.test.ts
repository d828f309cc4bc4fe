import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadSotuPassages } from '../../src/corpus/sotu.js';
import { QUERY_SAMPLE_INDEX, QuerySample } from '../../src/search/query-sample.js';
import { runReembed, type CliRun } from '../helpers/cli.js';
import { MigrationFixture } from '../helpers/migration-fixture.js';
import { uniqueName } from '../helpers/services.js';

describe('reembed CLI against the real services', () => {
  let fx: MigrationFixture;
  const collection = uniqueName('cli');

  async function reembed(...args: string[]): Promise<CliRun> {
    return reembedWith({}, ...args);
  }
  async function reembedWith(env: Record<string, string>, ...args: string[]): Promise<CliRun> {
    return runReembed(fx.config.temporal.taskQueue, args, env);
  }

  before(async () => {
    fx = await MigrationFixture.create();
    fx.track(collection);
    await fx.startWorker();
  });
  after(async () => {
    await fx.client.reject(collection, { by: 'test', reason: 'cleanup' }).catch(() => undefined);
    await fx.close();
  });

  it('ingests a JSONL file, skipping bad lines with their numbers', async () => {
    const docs = loadSotuPassages({ fromYear: 2021, toYear: 2021 }).slice(0, 25);
    const lines = docs.map((d) => JSON.stringify({ id: d.id, text: d.text, year: d.metadata.year }));
    lines.splice(3, 0, '{"id": "broken"');
    lines.splice(10, 0, '{"id": "blank", "text": ""}');
    // An id Elasticsearch would refuse (and with it the whole bulk request), and an id repeated later.
    lines.push(JSON.stringify({ id: 'x'.repeat(600), text: 'a valid text under an invalid id' }));
    lines.push(JSON.stringify({ id: docs[0]!.id, text: `${docs[0]!.text} (corrected)`, year: docs[0]!.metadata.year }));
    // Lines 30–36: every other way a line can be bad; line 37 is valid and must still be stored.
    lines.push(
      'INVALID-UTF8',
      JSON.stringify({ id: 'nul', text: 'binary\u0000data' }),
      JSON.stringify({ id: 'huge', text: 'x'.repeat(1_000_001) }),
      JSON.stringify({ id: true, text: 'an id of the wrong type' }),
      JSON.stringify({ id: 'typed', text: 42 }),
      JSON.stringify({ id: 'dated', text: 'a text', updatedAt: 'yesterday' }),
      '["an", "array"]',
      JSON.stringify({ id: 'after-the-bad-lines', text: 'valid lines after bad ones are stored' }),
    );
    const file = join(mkdtempSync(join(tmpdir(), 'reembed-cli-')), 'docs.jsonl');
    const invalidUtf8 = Buffer.from([0x7b, 0x22, 0x69, 0x64, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
    writeFileSync(
      file,
      Buffer.concat(lines.flatMap((l, i) => [i > 0 ? Buffer.from('\n') : Buffer.alloc(0), l === 'INVALID-UTF8' ? invalidUtf8 : Buffer.from(l)])),
    );

    const result = await reembed('ingest', collection, '--spec', 'minilm-l6-v2', '--file', file, '--batch-size', '10');
    assert.equal(result.code, 2, 'a non-zero exit tells scripts that some lines were skipped');
    assert.match(result.stdout, /Ingested 26 document\(s\) into .*; 1 line\(s\) repeated an earlier id and replaced it/);
    assert.match(result.stderr, /line 30: skipped: not valid UTF-8/);
    assert.match(result.stderr, /line 31: skipped: text: text holds the control character U\+0000 at position 6/);
    assert.match(result.stderr, /line 32: skipped: text: text is 1,000,001 characters; at most 1,000,000/);
    assert.match(result.stderr, /line 33: skipped: id: id must be a string or a number, not boolean/);
    assert.match(result.stderr, /line 34: skipped: text: text must be a string, not number/);
    assert.match(result.stderr, /line 35: skipped: updatedAt: updatedAt must be an ISO date-time/);
    assert.match(result.stderr, /line 36: skipped: line: /);
    assert.ok((await fx.store.getMany((await fx.registry.get(collection)).activeIndex, ['after-the-bad-lines'])).has('after-the-bad-lines'));
    assert.match(result.stderr, /line 4: skipped: not JSON/);
    assert.match(result.stderr, /line 11: skipped: text: text is empty/);
    assert.match(result.stderr, /line 28: skipped: id: id is 600 bytes; Elasticsearch allows at most 512/);
    // Found across batches: by the id filter and this run's write of line 1.
    assert.match(result.stderr, new RegExp(`line 29: id ${docs[0]!.id} repeats an earlier line; this line replaced it`));
    const index = (await fx.registry.get(collection)).activeIndex;
    assert.match((await fx.store.getMany(index, [docs[0]!.id])).get(docs[0]!.id)!.content!, /\(corrected\)$/, 'the last line won');
    // Again, in one batch: the repeat is found in the batch, with its first line.
    const older = await reembed('ingest', collection, '--model', 'minilm-l6-v2', '--file', file, '--batch', '50');
    assert.match(older.stdout, /Ingested 26 document\(s\).*1 line\(s\) repeated/, '--model and --batch still work (older names of --spec and --batch-size)');
    assert.match(older.stderr, new RegExp(`line 29: id ${docs[0]!.id} repeats line 1; this line replaced it`));
    assert.equal(older.stderr.match(/ repeats /g)?.length, 1, 'documents stored by the first run are no repeats of this one');
  });

  it('prints machine-readable status and answers searches', async () => {
    const status = JSON.parse((await reembed('status', collection, '--json')).stdout);
    for (const key of ['collection', 'phase', 'workflowId', 'sourceIndex', 'targetIndex', 'aliasTarget', 'documents', 'coverage'])
      assert.ok(key in status, key);
    assert.equal(status.phase, 'NONE');
    assert.equal(status.workflowId, `reembed:${collection}`);

    const hits = JSON.parse((await reembed('search', collection, 'vaccines and the pandemic', '--k', '3', '--json')).stdout);
    assert.equal(hits.length, 3);
    assert.equal(hits[0].specId, 'minilm-l6-v2');
    assert.match(hits[0].index, new RegExp(`^${collection}__minilm-l6-v2__`));
  });

  let estimatedTruncated = -1;
  it('prints a dry-run estimate without starting anything', async () => {
    const dry = await reembed('migrate', collection, '--to', 'minilm-l6-v2-cls', '--dry-run', '--budget', '5');
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /Dry run: migrating .* to minilm-l6-v2-cls would take/);
    assert.match(dry.stdout, /documents: +26\b/);
    assert.match(dry.stdout, /tokens: +\d+ with the minilm-l6-v2-cls tokenizer/);
    assert.match(dry.stdout, /duration: +~.*local throughput measured/);
    assert.match(dry.stdout, /disk: .*HNSW graph/);
    assert.match(dry.stdout, /fits/);
    const json = JSON.parse((await reembed('migrate', collection, '--to', 'minilm-l6-v2-cls', '--dry-run', '--json')).stdout);
    assert.equal(json.documents, 26);
    assert.equal((await fx.client.status(collection)).phase, 'NONE', 'a dry run starts no migration');
    const badBudget = await reembed('migrate', collection, '--to', 'minilm-l6-v2-cls', '--budget', '0');
    assert.equal(badBudget.code, 2);
    assert.match(badBudget.stderr, /must be more than 0 dollars\n.*at budget/);
    estimatedTruncated = json.truncated;
  });

  it('starts a migration, refuses a second, and reports it in status --json', async () => {
    const started = await reembed(
      'migrate',
      collection,
      '--to',
      'minilm-l6-v2-cls',
      '--grace',
      '1h',
      '--min-quality',
      '0.9',
      '--approvals',
      '2',
      '--approvers',
      'alice, bob',
      '--parallelism',
      '3',
    );
    assert.equal(started.code, 0, started.stderr);
    assert.match(started.stdout, /2 approvers/);
    assert.match(started.stdout, /Web UI: http:\/\/.*\/workflows\/reembed%3A/);
    const again = await reembed('migrate', collection, '--to', 'minilm-l6-v2-cls');
    assert.equal(again.code, 2);
    assert.match(again.stderr, /already has a migration running/);

    await fx.client.waitForPhase(collection, ['AWAITING_APPROVAL'], { timeoutMs: 120_000 });
    const status = JSON.parse((await reembed('status', collection, '--json')).stdout);
    assert.equal(status.phase, 'AWAITING_APPROVAL');
    // Passages over the CLS spec's 128-token limit are cut, exactly as the dry run predicted.
    assert.deepEqual(status.documents, { total: 26, migrated: 26, quarantined: 0, truncated: estimatedTruncated });
    assert.ok(estimatedTruncated > 0);
    assert.equal(status.coverage, 1);
    assert.equal(status.migration.partitions.length, 3, '--parallelism 3: three partitions');
    assert.equal(status.aliasTarget, status.sourceIndex);
    const human = (await reembed('status', collection)).stdout;
    assert.match(human, /phase AWAITING_APPROVAL/);
    assert.match(human, /approve: reembed approve/);

    const invalid = await reembed('approve', collection);
    assert.equal(invalid.code, 2);
    assert.match(invalid.stderr, /approver is required/);

    // Four eyes: two distinct approvers from the list; the first is shown, the decision waits.
    const alice = await reembed('approve', collection, '--approver', 'alice');
    assert.equal(alice.code, 0, alice.stderr);
    assert.match(
      alice.stdout,
      /approveCutover accepted by \S+ in AWAITING_APPROVAL \(1 of 2 approvals\): 1 more distinct approver\(s\) needed before the cutover/,
    );
    const mallory = await reembed('approve', collection, '--approver', 'mallory');
    assert.equal(mallory.code, 3, 'the workflow refuses the approval, and the command says so');
    assert.equal(mallory.stderr.trim(), 'refused: mallory is not among the approvers of this migration (alice, bob)');
    const half = JSON.parse((await reembed('status', collection, '--json')).stdout);
    assert.equal(half.phase, 'AWAITING_APPROVAL');
    assert.deepEqual(
      half.migration.approvals.map((a: { approver: string }) => a.approver),
      ['alice'],
    );
    assert.deepEqual(half.migration.refusedSignals, [], 'a refused Update leaves nothing behind');
    const early = await reembed('rollback', collection, '--by', 'ops', '--reason', 'too soon');
    assert.equal(early.code, 3);
    assert.match(early.stderr, /^refused: rollback is only possible in RETENTION \(after cutover, before cleanup\); the migration is in AWAITING_APPROVAL/);
    assert.match((await reembed('status', collection)).stdout, /approved by: {2}alice[\s\S]*approvals: {4}1 of 2 distinct approvers/);
  });

  it('explains bad arguments and unknown collections', async () => {
    const unknown = await reembed('status', 'no-such-collection');
    assert.equal(unknown.code, 2);
    assert.equal(
      unknown.stderr.trim(),
      'Collection "no-such-collection" does not exist. Create it with `reembed ingest no-such-collection --spec <specId> --file <docs.jsonl>`.',
    );
    const badDuration = await reembed('migrate', collection, '--to', 'minilm-l6-v2-cls', '--grace', 'soon');
    assert.equal(badDuration.code, 2);
    assert.match(badDuration.stderr, /a duration such as 30s, 15m, 1h or 7d/);
    const badCommand = await reembed('frobnicate');
    assert.equal(badCommand.code, 2);
    assert.match(badCommand.stderr, /unknown command "frobnicate"/);
    const badOption = await reembed('status', collection, '--colour');
    assert.equal(badOption.code, 2);
    assert.match(badOption.stderr, /Unknown option '--colour'[\s\S]*reembed status <collection> \[--json\]/);
  });

  it('imports golden queries all or nothing, lists and clears them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reembed-golden-'));
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(
      bad,
      [
        '{"query": "jobs and the economy", "relevant": {"a": 2}}',
        '{"query": "x", "relevant": {"a": 0}}',
        'not json',
        '{"query": "y", "relevant": []}',
        '{"query": ""}',
      ].join('\n'),
    );
    const refused = await reembed('golden', 'import', collection, '--file', bad);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /4 bad line\(s\); nothing was imported/);
    assert.match(refused.stderr, /line 2: relevant\.a: grades are at least 1/);
    assert.match(refused.stderr, /line 3: not JSON/);
    assert.match(refused.stderr, /line 4: relevant: relevant lists no document/);
    assert.match(refused.stderr, /line 5: query: query is empty/);
    assert.deepEqual(JSON.parse((await reembed('golden', 'list', collection, '--json')).stdout), [], 'nothing half-imported');

    const good = join(dir, 'good.jsonl');
    writeFileSync(
      good,
      ['{"query": "jobs and the economy", "relevant": {"a": 2, "b": 1}}', '{"query": "vaccines", "relevant": ["c", "d"]}', '{"query": "taxes"}', ''].join('\n'),
    );
    const imported = await reembed('golden', 'import', collection, '--file', good);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, /Imported 3 golden queries for .* \(2 labelled, 1 unlabelled\)/);
    await reembed('golden', 'import', collection, '--file', good);
    const listed = JSON.parse((await reembed('golden', 'list', collection, '--json')).stdout) as { query: string; relevant: Record<string, number> | null }[];
    assert.equal(listed.length, 3, 'a query imported again replaces itself');
    assert.deepEqual(listed.find((q) => q.query === 'vaccines')?.relevant, { c: 1, d: 1 });
    assert.equal(listed.find((q) => q.query === 'taxes')?.relevant, null);
    assert.match((await reembed('golden', 'clear', collection)).stdout, /Removed 3 golden queries/);
    assert.equal((await reembed('golden', 'list', collection)).stdout.trim().split('\n').at(-1), `0 golden queries for ${collection}.`);
  });

  it('records a bounded, opt-in sample of searched queries and turns the most frequent into golden queries', async () => {
    const sample = new QuerySample(fx.es, { rate: 1, flushIntervalMs: 0 });
    const router = fx.services.router({ querySample: sample });
    for (const [query, times] of [
      ['taxes on families', 3],
      ['jobs and the economy', 2],
      ['energy and climate', 1],
    ] as const) {
      for (let i = 0; i < times; i++) await router.search(collection, query, { k: 3 });
    }
    await fx.services.router().search(collection, 'not recorded: this router did not opt in');
    await sample.close();
    assert.deepEqual(await QuerySample.mostFrequent(fx.es, collection, 5), [
      { query: 'taxes on families', count: 3 },
      { query: 'jobs and the economy', count: 2 },
      { query: 'energy and climate', count: 1 },
    ]);

    await fx.services.golden.add(collection, [{ query: 'jobs and the economy', relevant: { a: 2 } }], 'file');
    const sampled = await reembed('golden', 'sample', collection, '--from-traffic', '2');
    assert.equal(sampled.code, 0, sampled.stderr);
    assert.match(sampled.stdout, /Added 1 unlabelled golden query to .* from its 2 most frequent sampled queries \(1 already in the set\)/);
    const listed = await fx.services.golden.list(collection);
    assert.deepEqual(listed.find((q) => q.query === 'jobs and the economy')?.relevant, { a: 2 }, 'labels are kept');
    assert.equal(listed.find((q) => q.query === 'taxes on families')?.source, 'traffic');
    assert.equal(listed.length, 2);
    await fx.services.golden.clear(collection);
    assert.equal((await reembed('golden', 'sample', uniqueName('never-searched'), '--from-traffic', '2')).code, 2);

    // However many distinct queries arrive, a collection keeps at most `capacity` records.
    const bounded = uniqueName('sampled');
    const small = new QuerySample(fx.es, { rate: 1, capacity: 4, flushIntervalMs: 0 });
    for (let i = 0; i < 40; i++) small.record(bounded, `query number ${i}`);
    await small.close();
    const kept = (await fx.es.count({ index: QUERY_SAMPLE_INDEX, query: { term: { collection: bounded } } })).count;
    assert.ok(kept >= 1 && kept <= 4, `${kept} records`);
  });

  it('prints a configuration error as one message and exits 2, without a stack trace', async () => {
    const result = await reembedWith({ ES_URL: 'elasticsearch:9200' }, 'status', collection);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^Invalid reembed configuration:\n {2}- ES_URL="elasticsearch:9200": expected an http\(s\) URL/);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  });

  it('lists every command with one line each, and each command its own usage', async () => {
    const help = await reembed('--help');
    assert.equal(help.code, 0);
    const commands = [
      'init',
      'models',
      'ingest',
      'migrate',
      'status',
      'approve',
      'reject',
      'pause',
      'resume',
      'rollback',
      'end-retention',
      'list',
      'search',
      'golden',
      'quality',
    ];
    for (const name of commands) assert.equal(help.stdout.split('\n').filter((l) => l.startsWith(`  ${name} `)).length, 1, `${name} has one line`);
    for (const name of commands) {
      const usage = await reembed(name, '--help');
      assert.equal(usage.code, 0);
      assert.match(usage.stdout, new RegExp(`^reembed ${name}\\b`));
    }
    assert.match((await reembed('cleanup', '--help')).stdout, /^reembed end-retention/, 'cleanup is the older name of end-retention');
  });

  it('lists the model specs as JSON without reaching any service', async () => {
    const result = await reembedWith({ ES_URL: 'http://127.0.0.1:1', TEMPORAL_ADDRESS: '127.0.0.1:1' }, 'models', '--json');
    assert.equal(result.code, 0, result.stderr);
    const specs = JSON.parse(result.stdout) as { id: string; fingerprint: string }[];
    assert.ok(specs.some((s) => s.id === 'minilm-l6-v2' && /^[0-9a-f]{8}/.test(s.fingerprint)));
  });
});
