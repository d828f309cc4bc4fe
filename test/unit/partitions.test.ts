import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChunkReport } from '../../src/migration/reports.js';
import { migrationInputSchema } from '../../src/migration/input.js';
import { MigrationState } from '../../src/migration/migration-state.js';
import { byteOrder, partitionBoundaries, plannedPartitions } from '../../src/migration/partitions.js';

describe('backfill partitions', () => {
  it('cut a sorted sample at its quantiles, skipping repeated boundaries', () => {
    const ids = Array.from({ length: 100 }, (_, i) => `doc-${String(i).padStart(3, '0')}`);
    assert.deepEqual(partitionBoundaries(ids, 4), ['doc-025', 'doc-050', 'doc-075']);
    assert.deepEqual(partitionBoundaries(ids, 1), []);
    assert.deepEqual(partitionBoundaries(['a', 'a', 'a', 'a', 'b', 'b'], 3), ['a', 'b']);
    assert.deepEqual(partitionBoundaries([], 4), []);
  });

  it('order ids as Elasticsearch does (UTF-8 bytes = code points), not as UTF-16 units', () => {
    // U+FF5E sorts after U+1F600 in UTF-16 units (0xFF5E > 0xD83D) but before it in code points.
    assert.ok('\u{1F600}' < '\uFF5E', 'JavaScript compares UTF-16 units');
    assert.ok(byteOrder('\uFF5E', '\u{1F600}') < 0);
    assert.deepEqual(['b', '\u{1F600}', 'a', '\uFF5E'].sort(byteOrder), ['a', 'b', '\uFF5E', '\u{1F600}']);
  });

  it('plan open-ended ranges that start at their lower bound; empty ones are done', () => {
    const planned = plannedPartitions(['m', 't'], [10, 0, 5]);
    assert.deepEqual(
      planned.map((p) => [p.lower, p.upper, p.cursor, p.done]),
      [
        [null, 'm', null, false],
        ['m', 't', 'm', true],
        ['t', null, 't', false],
      ],
    );
  });

  it('run up to the parallelism at once, one at a time under a budget, and count chunks per partition (found present included) and in total', () => {
    const state = new MigrationState(migrationInputSchema.parse({ collection: 'c', targetSpecId: 't' }), 'reembed:c');
    state.partitioned(plannedPartitions(['m', 't'], [10, 10, 10]));
    assert.deepEqual(state.partitionsToStart(new Set(), 2), [0, 1]);
    assert.deepEqual(state.partitionsToStart(new Set([0]), 2), [1]);
    const chunk: ChunkReport = { cursor: 'k', migrated: 4, quarantined: 1, quarantineSample: [], tokens: 10, truncated: 0, done: false, executedBy: 'host:1' };
    state.applyPartitionChunk(0, chunk);
    // The retry after a crash found 2 documents its killed attempt wrote without reporting them.
    state.applyPartitionChunk(0, { ...chunk, cursor: 'm', migrated: 3, alreadyPresent: 2, quarantined: 0, done: true, executedBy: 'host:2' });
    const first = state.status.partitions![0]!;
    assert.deepEqual([first.cursor, first.migrated, first.quarantined, first.done, first.workers], ['m', 9, 1, true, ['host:1', 'host:2']]);
    assert.equal(state.status.documents.migrated, 7, 'the total counts what was written: documents found present may be the hot-first pass’s, counted there');
    assert.deepEqual(state.partitionsToStart(new Set(), 2), [1, 2]);
    assert.equal(state.partitionsDone, false);

    const budgeted = new MigrationState(migrationInputSchema.parse({ collection: 'c', targetSpecId: 't', budgetUsd: 5 }), 'reembed:c');
    budgeted.partitioned(plannedPartitions(['m'], [10, 10]));
    assert.deepEqual(budgeted.partitionsToStart(new Set(), 4), [0], 'one at a time: no two batches spend the same dollars');
  });
});
