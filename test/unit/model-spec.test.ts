import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fingerprint, parseModelSpec, type ModelSpec } from '../../src/embedding/model-spec.js';
import { SpecCatalog } from '../../src/embedding/spec-catalog.js';
import { vectorIndexMappings, versionedIndexName } from '../../src/store/vector-index-layout.js';

const base = SpecCatalog.load().get('minilm-l6-v2');

describe('model spec fingerprint', () => {
  it('pins each local spec to its weights: the revision names the sha256 of the ONNX file setup installs', () => {
    const manifest = JSON.parse(readFileSync(new URL('../../models/local-models.json', import.meta.url), 'utf8')) as {
      models: Record<string, { files: Record<string, { sha256: string }> }>;
    };
    const local = SpecCatalog.load()
      .all()
      .filter((s) => s.provider === 'transformers');
    assert.ok(local.length >= 4);
    for (const spec of local) {
      const onnx = Object.entries(manifest.models[spec.model]!.files).find(([path]) => path.endsWith('.onnx'))![1];
      assert.ok(spec.revision.endsWith(onnx.sha256.slice(0, 16)), `${spec.id}: revision ${spec.revision} vs ${onnx.sha256}`);
    }
    assert.equal(new Set(local.map(fingerprint)).size, local.length, 'every local spec is its own vector space');
  });

  it('is stable under key order and ignores name, price, index options and the query weights', () => {
    const reordered = Object.fromEntries(Object.entries(base).reverse()) as ModelSpec;
    assert.equal(fingerprint(reordered), fingerprint(base));
    const cosmetic = { ...base, id: 'renamed', description: 'x', pricePerMillionTokens: 0.13, indexOptions: { type: 'int8_hnsw' as const } };
    assert.equal(fingerprint(cosmetic), fingerprint(base));
    // Stored vectors do not change with the query weights: an index stays valid either way.
    assert.equal(fingerprint({ ...base, queryDtype: 'fp32' } as ModelSpec), fingerprint(base));
  });

  it('changes with every field that changes a vector', () => {
    const variants: Partial<ModelSpec>[] = [
      { revision: 'other' },
      { dimensions: 768 },
      { pooling: 'cls' } as Partial<ModelSpec>,
      { normalize: false },
      { maxTokens: 128 },
      { similarity: 'dot_product' },
      { documentPrefix: 'passage: ' },
      { queryPrefix: 'query: ' },
      { dtype: 'fp32' } as Partial<ModelSpec>,
      { model: 'other-model' },
    ];
    const prints = new Set(variants.map((v) => fingerprint({ ...base, ...v } as ModelSpec)));
    assert.equal(prints.size, variants.length);
    assert.ok(!prints.has(fingerprint(base)));
  });

  it('names indexes by collection, spec and fingerprint', () => {
    assert.match(versionedIndexName('products', base), /^products__minilm-l6-v2__[0-9a-f]{8}$/);
  });

  it('always states index_options in the mapping', () => {
    const vector = vectorIndexMappings(base).properties.vector;
    assert.deepEqual(vector.index_options, base.indexOptions);
    assert.equal(vector.dims, 384);
  });
});

describe('spec catalog', () => {
  it('rejects an invalid spec with a readable message', () => {
    assert.throws(() => parseModelSpec({ ...base, dimensions: -3 }, 'test'), /Invalid model spec in test:[\s\S]*dimensions/);
    assert.throws(() => parseModelSpec({ ...base, queryDtype: 'int4' }, 'test'), /Invalid model spec in test:[\s\S]*queryDtype/);
  });

  it('rejects duplicate ids and names known specs for an unknown id', () => {
    const dir = mkdtempSync(join(tmpdir(), 'reembed-specs-'));
    const file = join(dir, 'specs.json');
    writeFileSync(file, JSON.stringify({ specs: [base, base] }));
    assert.throws(() => SpecCatalog.load(file), /duplicate spec id "minilm-l6-v2"/);
    assert.throws(() => SpecCatalog.load().get('nope'), /Unknown model spec "nope"\. Known specs in .*: minilm-l6-v2, minilm-l6-v2-cls/);
  });
});
