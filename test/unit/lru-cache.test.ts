import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LruCache } from '../../src/embedding/lru-cache.js';

describe('LRU cache', () => {
  it('keeps at most its capacity and forgets the least recently used first', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    assert.equal(cache.get('a'), 1, 'reading a makes b the least recent');
    cache.set('c', 3);
    assert.equal(cache.size, 2);
    assert.equal(cache.get('b'), undefined);
    assert.equal(cache.get('a'), 1);
    assert.equal(cache.get('c'), 3);
    cache.set('a', 10);
    cache.set('d', 4);
    assert.equal(cache.get('c'), undefined, 'overwriting a refreshed it');
    assert.equal(cache.get('a'), 10);
  });
});
