import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client as EsClient } from '@elastic/elasticsearch';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { connectTemporal, type TemporalClientHandle } from '../../src/client/temporal-client';
import { loadConfig, type Config } from '../../src/config/env';
import { loadSotuPassages } from '../../src/corpus/sotu';
import { createElasticsearchClient } from '../../src/store/elasticsearch-client';
import { VectorIndexStore } from '../../src/store/vector-index';
import { createReembedWorker, WORKFLOWS_PATH } from '../../src/worker/create-worker';
import { ingestCorpusWorkflow, ingestProgressQuery } from '../../src/workflows/ingest-corpus';
import { requireServices, uniqueName } from '../helpers/services';

Runtime.install({ logger: new DefaultLogger('WARN') });

describe('ingest workflow on the Temporal dev server', () => {
  let config: Config;
  let temporal: TemporalClientHandle;
  let es: EsClient;
  const collection = uniqueName('ingest');
  const corpus = { fromYear: 2021, toYear: 2021 };
  let index = '';

  before(async () => {
    await requireServices();
    config = loadConfig({ ...process.env, REEMBED_TASK_QUEUE: uniqueName('test-ingest') });
    temporal = await connectTemporal(config);
    es = createElasticsearchClient(config);
  });
  after(async () => {
    if (index) await new VectorIndexStore(es).deleteIndex(index);
    await es.close();
    await temporal.close();
  });

  async function runIngest(workflowId: string) {
    const reembedWorker = await createReembedWorker(config);
    try {
      return await reembedWorker.worker.runUntil(async () => {
        const handle = await temporal.client.workflow.start(ingestCorpusWorkflow, {
          workflowId,
          taskQueue: config.temporal.taskQueue,
          args: [{ collection, specId: 'minilm-l6-v2', corpus, batchSize: 16 }],
        });
        const result = await handle.result();
        const progress = await handle.query(ingestProgressQuery);
        return { result, progress };
      });
    } finally {
      await reembedWorker.close();
    }
  }

  it('embeds every passage into the versioned index through activities', async () => {
    const expected = loadSotuPassages(corpus);
    const { result, progress } = await runIngest(`${collection}-first`);
    index = result.index;
    assert.equal(result.documents, expected.length);
    assert.equal(result.embedded, expected.length);
    assert.ok(result.tokens > expected.length * 50);
    assert.equal(progress.phase, 'COMPLETED');
    assert.equal(progress.embedded, expected.length);

    const stored = await es.search<{ model_fingerprint: string }>({ index, size: 1000, _source: ['model_fingerprint'] });
    assert.deepEqual(new Set(stored.hits.hits.map((h) => h._id)), new Set(expected.map((d) => d.id)));
    assert.equal(new Set(stored.hits.hits.map((h) => h._source?.model_fingerprint)).size, 1);
    const settings = await es.indices.getSettings({ index });
    assert.equal(settings[index]?.settings?.index?.refresh_interval, '1s', 'serving settings restored');
  });

  it('re-embeds nothing when the index already holds the same texts', async () => {
    const { result } = await runIngest(`${collection}-again`);
    assert.equal(result.embedded, 0);
    assert.equal(result.unchanged, result.documents);
  });

  it('carries no vectors in workflow history and replays deterministically', async () => {
    const history = await temporal.client.workflow.getHandle(`${collection}-first`).fetchHistory();
    const bytes = JSON.stringify(history).length;
    // 40+ passages of 384 floats would be hundreds of kilobytes; offsets and counts are tiny.
    assert.ok(bytes < 60_000, `history is ${bytes} bytes`);
    await Worker.runReplayHistory({ workflowsPath: WORKFLOWS_PATH }, history, `${collection}-first`);
  });
});
