import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/env.js';
import { ProviderPool } from '../../src/embedding/provider-pool.js';
import { InvalidEmbeddingError, type EmbeddingProvider } from '../../src/embedding/provider.js';
import { SpecCatalog } from '../../src/embedding/spec-catalog.js';
import type { TransformersProvider } from '../../src/embedding/transformers-provider.js';

const cosine = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
const norm = (a: Float32Array) => Math.sqrt(cosine(a, a));

describe('local models through transformers.js (remote loading off)', () => {
  const catalog = SpecCatalog.load();
  const pool = new ProviderPool(loadConfig());

  for (const specId of ['minilm-l6-v2', 'minilm-l6-v2-cls']) {
    describe(specId, () => {
      let provider: EmbeddingProvider;
      before(async () => {
        provider = await pool.get(catalog.get(specId));
      });

      it('embeds with the spec dimension and unit norm', async () => {
        const { vectors, tokens } = await provider.embed(['The cat sits on the mat.', 'Interest rates rose again.'], 'document');
        assert.equal(vectors.length, 2);
        for (const v of vectors) {
          assert.equal(v.length, catalog.get(specId).dimensions);
          assert.ok(Math.abs(norm(v) - 1) < 1e-4, `norm ${norm(v)}`);
        }
        assert.ok(tokens >= 10 && tokens < 40, `tokens ${tokens}`);
      });

      it('puts a paraphrase closer than an unrelated sentence', async () => {
        const { vectors } = await provider.embed(
          ['A dog is running through the park.', 'A puppy runs across the grass in a park.', 'The central bank raised interest rates.'],
          'document',
        );
        const [a, b, c] = vectors as [Float32Array, Float32Array, Float32Array];
        assert.ok(cosine(a, b) > cosine(a, c) + 0.05, `paraphrase ${cosine(a, b)} vs unrelated ${cosine(a, c)}`);
      });

      it('truncates long input at the spec max tokens', async () => {
        const long = 'word '.repeat(2000);
        const { tokens } = await provider.embed([long], 'document');
        assert.equal(tokens, catalog.get(specId).maxTokens);
      });

      it('rejects empty text as invalid input', async () => {
        await assert.rejects(provider.embed(['fine', '   '], 'document'), InvalidEmbeddingError);
      });
    });
  }

  it('the two specs are different vector spaces', async () => {
    const text = ['Taxes on small businesses were cut.'];
    const [a] = (await (await pool.get(catalog.get('minilm-l6-v2'))).embed(text, 'document')).vectors;
    const [b] = (await (await pool.get(catalog.get('minilm-l6-v2-cls'))).embed(text, 'document')).vectors;
    assert.ok(cosine(a!, b!) < 0.95, `same text, different specs: cosine ${cosine(a!, b!)}`);
  });

  it('specs sharing weights share one loaded model, and one query pass gives each its own vector', async () => {
    const specs = [catalog.get('minilm-l6-v2'), catalog.get('minilm-l6-v2-cls')];
    const [mean, cls] = (await Promise.all(specs.map((s) => pool.get(s)))) as [TransformersProvider, TransformersProvider];
    assert.equal(mean.model, cls.model);
    for (const text of ['tax cuts for working families', 'word '.repeat(200)]) {
      const shared = await pool.embedQuery(specs, text);
      const separate = await Promise.all([mean, cls].map(async (p) => (await p.embed([text], 'query')).vectors[0]!));
      shared.forEach((v, i) => assert.ok(cosine(v, separate[i]!) > 0.9999, `${specs[i]!.id}, ${text.length} chars: cosine ${cosine(v, separate[i]!)}`));
      assert.ok(cosine(shared[0]!, shared[1]!) < 0.95, 'the two specs still give different vectors');
    }
  });

  it('fails with instructions when the model folder is missing, without reaching the network', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'reembed-models-'));
    await assert.rejects(new ProviderPool({ ...loadConfig(), modelsDir: empty }).get(catalog.get('minilm-l6-v2')), /Run `npm run setup`/);
  });
});
