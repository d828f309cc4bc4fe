import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeenIds } from '../../src/cli/seen-ids.js';

describe('ids an ingest has read', () => {
  it('never forget an id, and rarely suspect a new one', () => {
    const seen = new SeenIds();
    const ids = Array.from({ length: 200_000 }, (_, i) => `doc-${i.toString().padStart(7, '0')}`);
    const suspectedOnFirstSight = ids.filter((id) => seen.add(id)).length;
    assert.ok(suspectedOnFirstSight < ids.length * 0.001, `${suspectedOnFirstSight} of ${ids.length} new ids suspected`);
    assert.ok(
      ids.every((id) => seen.add(id)),
      'every id read before is suspected',
    );
    assert.equal(seen.add('doc-x'), false);
    assert.equal(seen.add('doc-x'), true);
  });
});
