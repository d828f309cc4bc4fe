import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Client } from '@elastic/elasticsearch';
import { knnMsearch } from '../../src/search/knn-msearch.js';

type Item = { error: { type: string; reason: string }; status: number } | { hits: { hits: { _id: string; _score: number }[] }; _shards: { failed: number } };

/** An `_msearch` that answers each call from a script, one item per index asked, and records the indexes asked. */
function scriptedEs(script: ((index: string) => Item)[]) {
  const asked: string[][] = [];
  const es = {
    msearch: async ({ searches }: { searches: ({ index: string } | object)[] }) => {
      const indexes = searches.filter((s): s is { index: string } => 'index' in s).map((s) => s.index);
      const answer = script[asked.length] ?? script.at(-1)!;
      asked.push(indexes);
      return { responses: indexes.map(answer) };
    },
  } as unknown as Client;
  return { es, asked };
}

const hits = (id: string, failedShards = 0): Item => ({ hits: { hits: [{ _id: id, _score: 1 }] }, _shards: { failed: failedShards } });
const error = (status: number, reason: string): Item => ({ error: { type: 'search_phase_execution_exception', reason }, status });
const side = (index: string) => ({ index, specId: 's', vector: new Float32Array([1, 0]) });

describe('a kNN _msearch over the sides of a migration', () => {
  it('asks a side again when all its shards failed on a dead node (5xx), and only that side', async () => {
    const { es, asked } = scriptedEs([(index) => (index === 'old' ? hits('a') : error(503, 'all shards failed')), () => hits('b')]);
    const [oldHits, newHits] = await knnMsearch(es, [side('old'), side('new')], 5);
    assert.deepEqual(asked, [['old', 'new'], ['new']]);
    assert.equal(oldHits![0]!.id, 'a');
    assert.equal(newHits![0]!.id, 'b');
  });

  it('does not ask again for an index that is not there (404): that side yields no hits', async () => {
    const { es, asked } = scriptedEs([(index) => (index === 'old' ? hits('a') : error(404, 'no such index [new]'))]);
    const [oldHits, newHits] = await knnMsearch(es, [side('old'), side('new')], 5);
    assert.equal(asked.length, 1);
    assert.equal(oldHits!.length, 1);
    assert.deepEqual(newHits, []);
  });

  it('asks again after partial results and keeps the last partial answer once the pauses run out', async () => {
    const { es, asked } = scriptedEs([() => hits('partial', 1)]);
    const [only] = await knnMsearch(es, [side('new')], 5);
    assert.equal(asked.length, 4, 'the first search and three more');
    assert.equal(only![0]!.id, 'partial');
  });

  it('fails the search, naming the indexes and the reason, when every side keeps failing', async () => {
    const { es } = scriptedEs([() => error(503, 'all shards failed')]);
    await assert.rejects(knnMsearch(es, [side('old'), side('new')], 5), /Search failed on old and new: all shards failed/);
  });
});
