import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { estimateIndexBytes, usableBytes } from '../../src/estimate/disk-estimate.js';

describe('index size estimate', () => {
  it('counts float vectors, the quantised copy and the HNSW graph per index type', () => {
    const docs = 1_000_000;
    assert.deepEqual(estimateIndexBytes(docs, 1024, { type: 'hnsw', m: 16 }, 0), {
      rawVectorBytes: 4_096_000_000,
      quantizedVectorBytes: 0,
      graphBytes: 64_000_000,
      otherBytes: 0,
      totalBytes: 4_160_000_000,
    });
    assert.equal(estimateIndexBytes(docs, 1024, { type: 'int8_hnsw' }, 0).quantizedVectorBytes, 1_028_000_000);
    assert.equal(estimateIndexBytes(docs, 1024, { type: 'int4_hnsw' }, 0).quantizedVectorBytes, 516_000_000);
    assert.equal(estimateIndexBytes(docs, 1024, { type: 'bbq_hnsw' }, 0).quantizedVectorBytes, 142_000_000);
    assert.equal(estimateIndexBytes(docs, 1024, { type: 'int8_flat' }, 0).graphBytes, 0);
    assert.equal(estimateIndexBytes(docs, 384, { type: 'hnsw', m: 32 }, 250).totalBytes, docs * (384 * 4 + 4 * 32 + 250));
  });

  it('leaves the room above the high disk watermark', () => {
    assert.equal(usableBytes({ availableBytes: 50e9, totalBytes: 100e9 }), 40e9);
    assert.equal(usableBytes({ availableBytes: 5e9, totalBytes: 100e9 }), 0);
  });
});
