import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Client } from '@elastic/elasticsearch';
import { BulkWriteError, orderedBulk, orderedOperation, type Backoff } from '../../src/store/ordered-bulk.js';

type Item = { status: number; error?: { type: string; reason: string } };

/**
 * A stand-in for the bulk endpoint only: answers each item with `answer(id, attempt)`, where
 * attempt counts how often that id was sent, and keeps every request it got.
 */
function fakeBulk(answer: (id: string, attempt: number) => Item) {
  const sent = new Map<string, number>();
  const requests: string[][] = [];
  const es = {
    bulk: async ({ operations }: { operations: object[] }) => {
      const lines = operations.filter((o) => 'index' in o || 'delete' in o || 'create' in o) as Record<string, { _index: string; _id: string }>[];
      const ids = lines.map((l) => Object.values(l)[0]!._id);
      requests.push(ids);
      return {
        items: lines.map((l) => {
          const [action, target] = Object.entries(l)[0]!;
          const attempt = (sent.get(target._id) ?? 0) + 1;
          sent.set(target._id, attempt);
          return { [action]: { _index: target._index, _id: target._id, ...answer(target._id, attempt) } };
        }),
      };
    },
  } as unknown as Client;
  return { es, requests };
}

const rejected: Item = { status: 429, error: { type: 'es_rejected_execution_exception', reason: 'rejected execution of coordinating operation' } };
/** The production backoff's shape in milliseconds a test can wait for. */
const QUICK: Backoff = { firstMs: 5, maxMs: 20, attempts: 5 };
const actions = (ids: string[]) => ids.map((id) => ({ line: orderedOperation('index', 'idx', id), document: { doc_id: id } }));

describe('bulk writes under a full write queue', () => {
  it('sends only the rejected items again, with their documents, and counts each rejection', async () => {
    // b is rejected twice, d once; the rest land the first time.
    const { es, requests } = fakeBulk((id, attempt) => ((id === 'b' && attempt <= 2) || (id === 'd' && attempt === 1) ? rejected : { status: 201 }));
    const outcome = await orderedBulk(es, actions(['a', 'b', 'c', 'd']), undefined, QUICK);
    assert.deepEqual(requests, [['a', 'b', 'c', 'd'], ['b', 'd'], ['b']]);
    assert.equal(outcome.rejections, 3);
    assert.deepEqual(outcome.superseded, []);
  });

  it('still reports superseded writes and fails on other item errors', async () => {
    const order = { version: 7 };
    const { es } = fakeBulk((id) => (id === 'old' ? { status: 409, error: { type: 'version_conflict_engine_exception', reason: 'newer' } } : { status: 200 }));
    const outcome = await orderedBulk(es, actions(['old', 'new']), order);
    assert.deepEqual(outcome.superseded, ['old']);
    const { es: broken } = fakeBulk(() => ({ status: 400, error: { type: 'mapper_parsing_exception', reason: 'bad vector' } }));
    await assert.rejects(
      orderedBulk(broken, actions(['x'])),
      (e: unknown) => e instanceof BulkWriteError && /mapper_parsing_exception: bad vector/.test(e.message),
    );
  });

  it('gives up after its attempts, failing with the rejection so the activity retries', async () => {
    const { es, requests } = fakeBulk(() => rejected);
    const started = Date.now();
    await assert.rejects(orderedBulk(es, actions(['stuck']), undefined, QUICK), /es_rejected_execution_exception/);
    assert.equal(requests.length, QUICK.attempts);
    // 5 + 10 + 20 + 20 ms between the five attempts.
    const waited = 55;
    assert.ok(Date.now() - started >= waited, `backed off ${Date.now() - started} ms, expected at least ${waited}`);
  });
});
