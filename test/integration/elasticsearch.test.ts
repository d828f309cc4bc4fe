import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@elastic/elasticsearch';
import { loadConfig, type Config } from '../../src/config/env.js';
import { ProviderPool } from '../../src/embedding/provider-pool.js';
import { SpecCatalog } from '../../src/embedding/spec-catalog.js';
import { BookkeepingIndex } from '../../src/store/create-index.js';
import { assertElasticsearchReachable, createElasticsearchClient } from '../../src/store/elasticsearch-client.js';
import { redIndexes } from '../../src/store/index-availability.js';
import { VectorIndexStore } from '../../src/store/vector-index.js';
import { BulkWriteError } from '../../src/store/ordered-bulk.js';
import { versionedIndexName } from '../../src/store/vector-index-layout.js';
import { requireServices, SECURE_ES, uniqueName } from '../helpers/services.js';

const DOCS = [
  { id: 'bread', text: 'Knead the dough, let it rise, then bake the loaf in a hot oven.' },
  { id: 'football', text: 'The striker scored twice in the second half to win the match.' },
  { id: 'rates', text: 'The central bank raised interest rates to fight inflation.' },
  { id: 'volcano', text: 'Lava poured down the slopes after the volcano erupted.' },
];

describe('Elasticsearch 9 vector store', () => {
  let config: Config;
  let es: Client;
  let store: VectorIndexStore;
  const catalog = SpecCatalog.load();
  const created: string[] = [];

  before(async () => {
    config = await requireServices();
    es = createElasticsearchClient(config);
    store = new VectorIndexStore(es);
  });
  after(async () => {
    for (const index of created) await store.deleteIndex(index);
    await es.close();
  });

  for (const specId of ['minilm-l6-v2', 'minilm-l6-v2-cls']) {
    it(`creates a dense_vector index with explicit index_options for ${specId}, bulk-writes and finds the nearest document`, async () => {
      const spec = catalog.get(specId);
      const index = versionedIndexName(uniqueName('proof'), spec);
      created.push(index);
      assert.equal(await store.ensureIndex(index, spec), true);
      assert.equal(await store.ensureIndex(index, spec), false, 'a second ensureIndex is a no-op');

      const mapping = await es.indices.getMapping({ index });
      const vector = mapping[index]!.mappings.properties!.vector as { dims: number; similarity: string; index_options: { type: string } };
      assert.equal(vector.dims, spec.dimensions);
      assert.equal(vector.similarity, spec.similarity);
      assert.equal(vector.index_options.type, spec.indexOptions.type, 'not the bbq_hnsw default');

      const provider = await new ProviderPool(config).get(spec);
      const { vectors } = await provider.embed(
        DOCS.map((d) => d.text),
        'document',
      );
      await store.bulkUpsert(
        index,
        spec,
        DOCS.map((d, i) => ({ id: d.id, vector: vectors[i]!, sourceHash: d.id, content: d.text })),
      );
      await store.refresh(index);
      assert.equal(await store.count(index), DOCS.length);

      const query = (await provider.embed(['baking a loaf of bread'], 'query')).vectors[0]!;
      const hits = await store.knnSearch(index, query, 2);
      assert.equal(hits[0]?.id, 'bread');
      assert.equal(hits[0]?.content, DOCS[0]!.text);

      const stored = await store.getMany(index, ['bread', 'missing']);
      assert.deepEqual([...stored.keys()], ['bread']);
      assert.equal(stored.get('bread')?.sourceHash, 'bread');
      assert.equal(stored.get('bread')?.content, DOCS[0]!.text);

      const scanned = await store.scan(index, 'bread', 10);
      assert.deepEqual(
        scanned.map((d) => d.id),
        ['football', 'rates', 'volcano'],
        'scan pages by doc_id after the cursor',
      );
    });
  }

  it('reports per-document bulk failures instead of losing them', async () => {
    const spec = catalog.get('minilm-l6-v2');
    const index = versionedIndexName(uniqueName('proof-bad'), spec);
    created.push(index);
    await store.ensureIndex(index, spec);
    const wrongLength = new Float32Array(12).fill(0.1);
    await assert.rejects(
      store.bulkUpsert(index, spec, [{ id: 'short-vector', vector: wrongLength, sourceHash: 'x' }]),
      (error: unknown) => error instanceof BulkWriteError && error.failures[0]?.id === 'short-vector',
    );
  });

  it('skips a guarded write or delete when someone wrote the document after it was read', async () => {
    const spec = catalog.get('minilm-l6-v2');
    const index = versionedIndexName(uniqueName('proof-guard'), spec);
    created.push(index);
    await store.ensureIndex(index, spec);
    const vector = (await (await new ProviderPool(config).get(spec)).embed(['a guarded write'], 'document')).vectors[0]!;
    const doc = (id: string, hash: string) => ({ id, vector, sourceHash: hash });
    await store.bulkUpsert(index, spec, [doc('a', 'v1'), doc('b', 'v1')]);
    const read = await store.getMany(index, ['a', 'b', 'c'], false);
    assert.ok(read.get('a')?.position, 'real-time gets carry their position (_seq_no, _primary_term)');
    await store.bulkUpsert(index, spec, [doc('a', 'v2'), doc('c', 'v2')]); // a live writer, after our read

    const guard = new Map([
      ['a', read.get('a')!.position!],
      ['b', read.get('b')!.position!],
      ['c', null],
    ]);
    const { superseded } = await store.bulkUpsert(index, spec, [doc('a', 'old'), doc('b', 'v3'), doc('c', 'old')], { guard });
    assert.deepEqual(superseded.sort(), ['a', 'c']);
    const after = await store.getMany(index, ['a', 'b', 'c'], false);
    assert.deepEqual(
      ['a', 'b', 'c'].map((id) => after.get(id)?.sourceHash),
      ['v2', 'v3', 'v2'],
      'newer writes kept, the unchanged one updated',
    );

    const deleted = await store.deleteDocuments(index, ['a', 'b'], {
      guard: new Map([
        ['a', read.get('a')!.position!],
        ['b', after.get('b')!.position!],
      ]),
    });
    assert.deepEqual(deleted.superseded, ['a']);
    assert.deepEqual([...(await store.getMany(index, ['a', 'b'], false)).keys()], ['a']);
  });

  it('orders live writes by external version: the newest write wins whatever the arrival order, deletes included', async () => {
    const spec = catalog.get('minilm-l6-v2');
    const index = versionedIndexName(uniqueName('proof-versioned'), spec);
    created.push(index);
    await store.ensureIndex(index, spec);
    const doc = (id: string, hash: string) => ({ id, vector: new Array(spec.dimensions).fill(0.1), sourceHash: hash });
    const hashOf = async (id: string) => (await store.getMany(index, [id], false)).get(id)?.sourceHash;

    assert.deepEqual((await store.bulkUpsert(index, spec, [doc('x', 'newer')], { version: 200 })).superseded, []);
    assert.deepEqual((await store.bulkUpsert(index, spec, [doc('x', 'older, arriving late')], { version: 100 })).superseded, ['x']);
    assert.equal(await hashOf('x'), 'newer');
    await store.deleteDocuments(index, ['x'], { version: 300 });
    assert.deepEqual((await store.bulkUpsert(index, spec, [doc('x', 'older than the delete')], { version: 250 })).superseded, ['x'], 'the tombstone wins');
    assert.equal(await hashOf('x'), undefined);
    await store.bulkUpsert(index, spec, [doc('x', 'after the delete')], { version: 400 });
    assert.equal(await hashOf('x'), 'after the delete');
    const settings = await es.indices.getSettings({ index, name: 'index.gc_deletes', flat_settings: true });
    assert.equal(settings[index]?.settings?.['index.gc_deletes'], '10m', 'tombstones outlive a slow writer');
  });

  it('waits for the primary of a bookkeeping index another process has just created before reading it', async () => {
    const index = `reembed-${uniqueName('race')}`;
    created.push(index);
    // Created elsewhere with its primary held unassigned: the moment a racing process sees it exists.
    await es.indices.create({
      index,
      settings: { number_of_shards: 1, number_of_replicas: 0, 'routing.allocation.require._name': 'nowhere' },
      wait_for_active_shards: 0,
    });
    await assert.rejects(es.get({ index, id: 'a' }), /no_shard_available/);
    let returned = false;
    const ensured = new BookkeepingIndex(es, { index }).ensure().then(() => (returned = true));
    await sleep(500);
    assert.equal(returned, false, 'ensure() must not return while the primary is unassigned');
    await es.indices.putSettings({ index, settings: { 'routing.allocation.require._name': null } });
    await ensured;
    const read = await es.get({ index, id: 'a' }).catch((error: { meta?: { statusCode?: number } }) => error.meta?.statusCode);
    assert.equal(read, 404, 'once ensure() returns, a read finds the shard (and no document)');
  });

  it('names red indexes in the order it was asked about them, whatever order the cluster reports', async () => {
    const [a, b, green] = ['red-a', 'red-b', 'green'].map((name) => uniqueName(name));
    created.push(a!, b!, green!);
    for (const index of [a!, b!]) {
      await es.indices.create({
        index,
        settings: { number_of_shards: 2, number_of_replicas: 0, 'routing.allocation.require._name': 'nowhere' },
        wait_for_active_shards: 0,
      });
    }
    await es.indices.create({ index: green!, settings: { number_of_shards: 1, number_of_replicas: 0 } });
    assert.deepEqual(await redIndexes(es, [b!, green!, a!, 'no-such-index']), [
      { index: b, shards: [0, 1] },
      { index: a, shards: [0, 1] },
    ]);
    assert.deepEqual(
      (await redIndexes(es, [a!, b!])).map((r) => r.index),
      [a, b],
    );
  });

  describe('with security on (basic auth)', () => {
    it('accepts the configured user', async () => {
      const secure = loadConfig({ ES_URL: SECURE_ES.url, ES_USERNAME: SECURE_ES.username, ES_PASSWORD: SECURE_ES.password });
      const client = createElasticsearchClient(secure);
      try {
        await assertElasticsearchReachable(client, secure.elasticsearch.url);
        const spec = catalog.get('minilm-l6-v2');
        const secureStore = new VectorIndexStore(client);
        const index = versionedIndexName(uniqueName('secure'), spec);
        assert.equal(await secureStore.ensureIndex(index, spec), true);
        await secureStore.deleteIndex(index);
      } finally {
        await client.close();
      }
    });

    it('rejects missing or wrong credentials with an actionable message', async () => {
      for (const env of [{ ES_URL: SECURE_ES.url }, { ES_URL: SECURE_ES.url, ES_USERNAME: 'reembed', ES_PASSWORD: 'wrong' }]) {
        const cfg = loadConfig(env);
        const client = createElasticsearchClient(cfg);
        try {
          await assert.rejects(assertElasticsearchReachable(client, cfg.elasticsearch.url), /rejected our credentials: check ES_USERNAME\/ES_PASSWORD/);
        } finally {
          await client.close();
        }
      }
    });
  });
});
