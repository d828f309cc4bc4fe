import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
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

  for (const specId of ['minilm-l6-v2', 'minilm-l6-v2-cls', 'bge-small-en-v1.5', 'e5-small-v2', 'all-mpnet-base-v2']) {
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

      it('gives each text the same vector alone as in a batch of longer and shorter texts, in the order given', async () => {
        // Padding to the batch's longest text must not change a vector (the `-q` ONNX files
        // quantize activations per batch and would fail this; the fp32 and int8-weight ones
        // pass), and sorting a batch by length must not change which vector is whose.
        const texts = [
          'word '.repeat(120),
          'Jobs.',
          'Veterans deserve the care they were promised.',
          ...Array.from({ length: 20 }, (_, i) => `Sentence ${i} ${'about taxes '.repeat(i)}`),
        ];
        const batch = await provider.embed(texts, 'document');
        for (const i of [0, 1, 2, 22]) {
          const [alone] = (await provider.embed([texts[i]!], 'document')).vectors;
          const diff = Math.max(...alone!.map((x, d) => Math.abs(x - batch.vectors[i]![d]!)));
          assert.ok(diff < 1e-5, `text #${i}: largest difference ${diff}`);
        }
      });

      it('embeds queries with the spec query prefix and documents with its document prefix', async () => {
        const spec = catalog.get(specId);
        const text = 'clean energy and climate change';
        const [asQuery] = (await provider.embed([text], 'query')).vectors;
        const [asDocument] = (await provider.embed([text], 'document')).vectors;
        const [prefixed] = (await provider.embed([spec.queryPrefix + text], 'document')).vectors;
        if (spec.queryPrefix === spec.documentPrefix) assert.ok(cosine(asQuery!, asDocument!) > 0.99999);
        else assert.ok(cosine(asQuery!, asDocument!) < 0.999, `query and document vectors differ: cosine ${cosine(asQuery!, asDocument!)}`);
        if (spec.documentPrefix === '') assert.ok(cosine(asQuery!, prefixed!) > 0.99999, 'the query is the prefix plus the text');
      });

      it('rejects empty text as invalid input', async () => {
        await assert.rejects(provider.embed(['fine', '   '], 'document'), InvalidEmbeddingError);
      });
    });
  }

  it('every two specs are different vector spaces', async () => {
    const text = ['Taxes on small businesses were cut.'];
    const ids = ['minilm-l6-v2', 'minilm-l6-v2-cls', 'bge-small-en-v1.5', 'e5-small-v2'];
    const vectors = await Promise.all(ids.map(async (id) => (await (await pool.get(catalog.get(id))).embed(text, 'document')).vectors[0]!));
    for (let i = 0; i < ids.length; i++) {
      for (let j = i + 1; j < ids.length; j++)
        assert.ok(cosine(vectors[i]!, vectors[j]!) < 0.95, `${ids[i]} vs ${ids[j]}: cosine ${cosine(vectors[i]!, vectors[j]!)}`);
    }
  });

  it('bge-small-en-v1.5 ranks a relevant passage above an unrelated one for a retrieval query', async () => {
    const bge = await pool.get(catalog.get('bge-small-en-v1.5'));
    const [query] = (await bge.embed(['how will the government lower the cost of prescription drugs'], 'query')).vectors;
    const docs = (
      await bge.embed(
        [
          'Medicare will negotiate drug prices so seniors pay less for their medicine.',
          'Our troops have come home from Iraq with honor.',
          'We will rebuild roads and bridges across the country.',
        ],
        'document',
      )
    ).vectors;
    const scores = docs.map((d) => cosine(query!, d));
    assert.equal(scores.indexOf(Math.max(...scores)), 0, `scores ${scores.map((x) => x.toFixed(3)).join(', ')}`);
  });

  it('specs sharing weights share one loaded model, and one query pass gives each its own vector', async () => {
    const specs = [catalog.get('minilm-l6-v2'), catalog.get('minilm-l6-v2-cls')];
    const [mean, cls] = (await Promise.all(specs.map((s) => pool.get(s)))) as [TransformersProvider, TransformersProvider];
    assert.equal(mean.queryModel, cls.queryModel);
    for (const text of ['tax cuts for working families', 'word '.repeat(200)]) {
      const shared = await pool.embedQuery(specs, text);
      const separate = await Promise.all([mean, cls].map(async (p) => (await p.embed([text], 'query')).vectors[0]!));
      shared.forEach((v, i) => assert.ok(cosine(v, separate[i]!) > 0.9999, `${specs[i]!.id}, ${text.length} chars: cosine ${cosine(v, separate[i]!)}`));
      assert.ok(cosine(shared[0]!, shared[1]!) < 0.95, 'the two specs still give different vectors');
    }
  });

  it('embeds a query for two different models at once, each its own way, and serves a repeat from the cache', async () => {
    const specs = [catalog.get('minilm-l6-v2'), catalog.get('bge-small-en-v1.5')];
    const text = 'help for families with the cost of child care';
    const both = await pool.embedQuery(specs, text);
    const separate = await Promise.all(specs.map(async (s) => (await (await pool.get(s)).embed([text], 'query')).vectors[0]!));
    both.forEach((v, i) => assert.ok(cosine(v, separate[i]!) > 0.99999, `${specs[i]!.id}: cosine ${cosine(v, separate[i]!)}`));
    const again = await pool.embedQuery(specs, text);
    again.forEach((v, i) => assert.equal(v, both[i], 'the same vector object: no second forward pass'));
  });

  it('embeds the second model of a query in a query thread, whose failure to load fails the query with instructions', async () => {
    const missing = { ...catalog.get('bge-small-en-v1.5'), id: 'bge-missing', model: 'no-such-model' };
    await assert.rejects(pool.embedQuery([catalog.get('minilm-l6-v2'), missing], 'the cost of child care'), (error: Error) => {
      assert.match(error.message, /spec bge-missing in its query thread: Could not load local model "no-such-model".*Run `npm run setup`/s);
      return true;
    });
    const [vector] = await pool.embedQuery([catalog.get('minilm-l6-v2'), catalog.get('e5-small-v2')], 'the cost of child care');
    assert.equal(vector!.length, 384, 'the pool still answers after a thread failed');
  });

  describe("queryDtype 'q8': queries through bge-small-en-v1.5's int8 file", () => {
    const fp32 = catalog.get('bge-small-en-v1.5');
    assert.equal(fp32.provider, 'transformers');
    const q8 = fp32.provider === 'transformers' ? { ...fp32, queryDtype: 'q8' as const } : fp32;
    // A pool of its own: pools key providers and cached query vectors by spec id.
    const q8Pool = new ProviderPool(loadConfig(), { queryCacheSize: 0 });
    const queries = ['tax cuts', 'how will the government lower the cost of prescription drugs for seniors on medicare', 'jobs'];

    it('leaves document vectors as they are and moves query vectors only slightly', async () => {
      const [plain, quantized] = await Promise.all([pool.get(fp32), q8Pool.get(q8)]);
      const doc = ['Medicare will negotiate drug prices so seniors pay less for their medicine.'];
      assert.deepEqual((await quantized.embed(doc, 'document')).vectors, (await plain.embed(doc, 'document')).vectors);
      const exact = (await plain.embed(queries, 'query')).vectors;
      const fast = (await quantized.embed(queries, 'query')).vectors;
      fast.forEach((v, i) => {
        const c = cosine(v, exact[i]!);
        assert.ok(c > 0.99 && c < 0.99999, `query ${i}: cosine ${c} to the fp32 query vector (the int8 file is in use, in the same space)`);
      });
    });

    it('gives each query the same vector alone as among other queries (one pass per query)', async () => {
      const provider = await q8Pool.get(q8);
      const together = (await provider.embed(queries, 'query')).vectors;
      for (const [i, text] of queries.entries()) {
        const [alone] = (await provider.embed([text], 'query')).vectors;
        assert.deepEqual(alone, together[i], `query ${i}`);
      }
    });

    it('searches without the fp32 weights: they load on the first document, and their absence is explained then', async () => {
      const installed = join(loadConfig().modelsDir, fp32.model);
      const dir = mkdtempSync(join(tmpdir(), 'reembed-int8-only-'));
      mkdirSync(join(dir, fp32.model, 'onnx'), { recursive: true });
      for (const file of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model_quantized.onnx']) {
        symlinkSync(join(installed, file), join(dir, fp32.model, file));
      }
      const provider = await new ProviderPool({ ...loadConfig(), modelsDir: dir }).get(q8);
      const [query] = (await provider.embed([queries[0]!], 'query')).vectors;
      assert.equal(query!.length, 384);
      await assert.rejects(provider.embed(['a document'], 'document'), /Could not load local model "bge-small-en-v1.5" \(fp32\).*Run `npm run setup`/s);
    });

    it('gives a merged search the same query vector from the query thread as from the main thread', async () => {
      const [, threaded] = await q8Pool.embedQuery([catalog.get('minilm-l6-v2'), q8], queries[1]!);
      const [main] = await q8Pool.embedQuery([q8], queries[1]!);
      assert.ok(cosine(threaded!, main!) > 0.9999, `cosine ${cosine(threaded!, main!)}`);
      await q8Pool.close();
      const [, again] = await q8Pool.embedQuery([catalog.get('minilm-l6-v2'), q8], queries[1]!);
      assert.ok(cosine(again!, threaded!) > 0.9999, 'after close, the next merged query starts a new thread');
      await q8Pool.close();
    });
  });

  it('fails with instructions when the model folder is missing, without reaching the network', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'reembed-models-'));
    await assert.rejects(new ProviderPool({ ...loadConfig(), modelsDir: empty }).get(catalog.get('minilm-l6-v2')), /Run `npm run setup`/);
  });
});
