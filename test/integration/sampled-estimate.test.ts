import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { renderEstimate } from '../../src/cli/render-estimate.js';
import { estimateMigration } from '../../src/estimate/migration-estimate.js';
import { MigrationFixture } from '../helpers/migration-fixture.js';

/** A large source is estimated from a random sample, and says so. */
describe('the dry-run estimate of a large source', () => {
  let fx: MigrationFixture;
  before(async () => {
    fx = await MigrationFixture.create();
  });
  after(async () => fx.close());

  it('samples above the threshold, keeps the exact count, and scales tokens to within 15% of a full read', async () => {
    const collection = await fx.seedCollection(300);
    const record = await fx.registry.get(collection);
    const spec = fx.catalog.get('minilm-l6-v2-cls');
    const input = { sourceIndex: record.activeIndex, sourceSpec: fx.catalog.get(record.activeSpecId), spec, provider: await fx.services.providers.get(spec) };
    const deps = { es: fx.es, store: fx.store, config: fx.config };

    const full = await estimateMigration(deps, { ...input, sampleAbove: 1_000 });
    assert.equal(full.sampled, undefined);
    assert.equal(full.documents, 300);

    const sampled = await estimateMigration(deps, { ...input, sampleAbove: 100, sampleSize: 60 });
    assert.equal(sampled.sampled, 60);
    assert.equal(sampled.documents, 300, 'the count is exact');
    const error = Math.abs(sampled.tokens - full.tokens) / full.tokens;
    assert.ok(error < 0.15, `sampled ${sampled.tokens} vs full ${full.tokens} tokens (${(error * 100).toFixed(1)}%)`);
    assert.match(renderEstimate(sampled), /sampled: +a large source: .* scaled up from 60 documents drawn at random/);
    assert.deepEqual((await estimateMigration(deps, { ...input, sampleAbove: 100, sampleSize: 60 })).tokens, sampled.tokens, 'the same sample again');
  });
});
