import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@elastic/elasticsearch';
import { CollectionRegistry, REGISTRY_INDEX } from '../../src/registry/collection-registry.js';
import { createElasticsearchClient } from '../../src/store/elasticsearch-client.js';
import { requireServices, uniqueName } from '../helpers/services.js';

describe('collection registry in Elasticsearch', () => {
  let es: Client;
  let registry: CollectionRegistry;
  const collection = uniqueName('reg');

  before(async () => {
    es = createElasticsearchClient(await requireServices());
    registry = new CollectionRegistry(es);
  });
  after(async () => {
    await registry.remove(collection);
    await es.close();
  });

  it('creates a record once and loses no update under concurrent writers', async () => {
    const now = new Date().toISOString();
    const record = {
      collection,
      alias: collection,
      storeContent: true,
      activeSpecId: 'minilm-l6-v2',
      activeIndex: `${collection}__minilm-l6-v2__00000000`,
      writeTargets: [{ index: `${collection}__minilm-l6-v2__00000000`, specId: 'minilm-l6-v2' }],
      migration: null,
      history: [],
      createdAt: now,
      updatedAt: now,
    };
    assert.equal(await registry.create(record), true);
    assert.equal(await registry.create(record), false, 'a second create changes nothing');

    // Ten writers read-modify-write at once; if_seq_no makes the losers re-read and retry.
    await Promise.all(Array.from({ length: 10 }, (_, i) => registry.update(collection, (r) => r, { event: `writer-${i}`, detail: {} })));
    const events = (await registry.get(collection)).history.map((h) => h.event).sort();
    assert.deepEqual(events, Array.from({ length: 10 }, (_, i) => `writer-${i}`).sort());
  });

  it('refuses a record that is not valid instead of using it', async () => {
    const broken = uniqueName('reg-broken');
    await es.index({ index: REGISTRY_INDEX, id: broken, document: { collection: broken, writeTargets: [] }, refresh: 'wait_for' });
    try {
      await assert.rejects(registry.get(broken), /is not valid .* written by an incompatible version or by hand/);
    } finally {
      await registry.remove(broken);
    }
    await assert.rejects(registry.get('never-created'), /does not exist\. Create it with `reembed ingest never-created/);
  });
});
