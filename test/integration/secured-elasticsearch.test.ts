import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { connectTemporal } from '../../src/client/temporal-client.js';
import { loadConfig } from '../../src/config/env.js';
import { ProviderPool } from '../../src/embedding/provider-pool.js';
import { SpecCatalog } from '../../src/embedding/spec-catalog.js';
import { migrationWorkflowId } from '../../src/migration/input.js';
import { MigrationFixture } from '../helpers/migration-fixture.js';
import { OpenAICompatibleServer } from '../helpers/openai-compatible-server.js';
import { SECURE_ES } from '../helpers/services.js';
import { spawnWorkerProcess } from '../helpers/worker-process.js';

const TARGET = 'openai-3-small-256';
const API_KEY = 'sk-reembed-secret-4f1c9e2d7a';

/** Every string in a history, payload bytes decoded: what someone with read access to Temporal sees. */
function historyText(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (value instanceof Uint8Array) out.push(Buffer.from(value).toString('utf8'), Buffer.from(value).toString('base64'));
  else if (value && typeof value === 'object') for (const v of Object.values(value)) historyText(v, out);
  return out;
}

/**
 * A production-shaped run: Elasticsearch with security on and a user that holds only the
 * privileges docs/security.md lists, a paid-API spec with an API key, a worker in its own process,
 * a live writer and a router — and afterwards no secret anywhere in Temporal or the logs.
 */
describe('against secured Elasticsearch with least privilege, secrets kept out of history and logs', () => {
  let server: OpenAICompatibleServer;
  let fx: MigrationFixture;
  let worker: ChildProcess;
  let workerOutput = '';
  const env = {
    ES_URL: SECURE_ES.url,
    ES_USERNAME: SECURE_ES.app.username,
    ES_PASSWORD: SECURE_ES.app.password,
    OPENAI_API_KEY: API_KEY,
  };

  before(async () => {
    const local = await new ProviderPool(loadConfig()).get(SpecCatalog.load().get('minilm-l6-v2'));
    server = await OpenAICompatibleServer.start(local, { apiKey: API_KEY, models: ['text-embedding-3-small'] });
    fx = await MigrationFixture.create({ ...env, OPENAI_BASE_URL: server.baseURL });
    worker = spawnWorkerProcess({ ...env, OPENAI_BASE_URL: server.baseURL, REEMBED_TASK_QUEUE: fx.config.temporal.taskQueue }, ['ignore', 'pipe', 'pipe']);
    worker.stdout!.on('data', (d: Buffer) => (workerOutput += d.toString()));
    worker.stderr!.on('data', (d: Buffer) => (workerOutput += d.toString()));
  });
  after(async () => {
    worker?.kill('SIGKILL');
    await fx?.close();
    await server?.stop();
  });

  it('migrates with live writes and searches, and no history or log line holds the API key or the password', async () => {
    const es = fx.es;
    const whoami = await es.security.authenticate();
    assert.deepEqual(whoami.roles, ['reembed_app'], 'the least-privilege user, not a superuser');
    await assert.rejects(es.indices.create({ index: 'outside-the-role' }), /security_exception|unauthorized/i, 'the role reaches no other index');

    const collection = await fx.seedCollection(40);
    const router = fx.services.router({ registryCacheMs: 500 });
    await fx.client.startMigration({ collection, targetSpecId: TARGET, graceMs: 0, batchSize: 8, batchesPerActivity: 1 });
    // A live writer and a searcher during the whole backfill.
    let live = 0;
    let searches = 0;
    for (let phase = ''; !['AWAITING_APPROVAL', 'FAILED'].includes(phase);) {
      await fx.writer.upsert(collection, [{ id: `live-${live}`, text: `a document written during the migration, number ${live}` }]);
      live++;
      if ((await router.search(collection, 'jobs and the economy', { k: 3 })).hits.length === 3) searches++;
      phase = (await fx.client.status(collection)).phase;
    }
    const waiting = await fx.client.waitForPhase(collection, ['AWAITING_APPROVAL'], { timeoutMs: 10_000 });
    assert.equal(waiting.verification?.ok, true, waiting.verification?.problems.join('; '));
    await fx.store.refresh(waiting.targetIndex!);
    const [source, target] = await Promise.all([fx.contents(waiting.sourceIndex!), fx.contents(waiting.targetIndex!)]);
    assert.deepEqual(target, source, 'identical ids and text hashes in both indexes');
    assert.equal(source.size, 40 + live);
    assert.ok(live > 0 && searches === live, `${live} live writes, ${searches} searches with 3 hits`);

    await fx.client.approve(collection, { approver: 'security-lead' });
    await fx.client.waitForPhase(collection, ['RETENTION'], { timeoutMs: 60_000 });
    const after = await router.search(collection, 'jobs and the economy', { k: 3 });
    assert.ok(after.hits.every((h) => h.specId === TARGET));
    await fx.client.endRetention(collection, { by: 'security-lead' });
    assert.equal((await fx.client.result(collection)).phase, 'COMPLETED');

    const temporal = await connectTemporal(fx.config);
    const texts: string[] = [];
    try {
      // Every run of the workflow (continue-as-new starts new ones).
      for await (const run of temporal.client.workflow.list({ query: `WorkflowId = '${migrationWorkflowId(collection)}'` })) {
        historyText(await temporal.client.workflow.getHandle(run.workflowId, run.runId).fetchHistory(), texts);
      }
    } finally {
      await temporal.close();
    }
    const history = texts.join('\n');
    assert.ok(history.includes(collection) && history.length > 10_000, 'the scan reads the real histories');
    for (const secret of [API_KEY, SECURE_ES.app.password]) {
      assert.equal(history.split(secret).length - 1, 0, `${secret.slice(0, 6)}… in a history`);
      assert.equal(workerOutput.split(secret).length - 1, 0, `${secret.slice(0, 6)}… in the worker's output`);
      assert.equal(Buffer.from(history).includes(Buffer.from(secret).toString('base64')), false);
    }
    assert.match(workerOutput, /worker started/, 'the worker output was captured');
  });
});
