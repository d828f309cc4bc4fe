import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/env';
import { OpenAIProvider, ProviderConfigError } from '../../src/embedding/openai-provider';
import { InvalidEmbeddingError } from '../../src/embedding/provider';
import { ProviderPool } from '../../src/embedding/provider-pool';
import { SpecCatalog } from '../../src/embedding/spec-catalog';
import { embedIsolatingFailures } from '../../src/embedding/embed-isolating-failures';
import { OpenAICompatibleServer } from '../helpers/openai-compatible-server';

type OpenAISpec = ConstructorParameters<typeof OpenAIProvider>[0];

describe('OpenAI provider (real openai client, local OpenAI-compatible server)', () => {
  const catalog = SpecCatalog.load();
  const spec = catalog.get('openai-3-small-256') as OpenAISpec;
  let server: OpenAICompatibleServer;
  before(async () => {
    const local = await new ProviderPool(loadConfig()).get(catalog.get('minilm-l6-v2'));
    server = await OpenAICompatibleServer.start(local, { apiKey: 'sk-test-123', models: ['text-embedding-3-small'] });
  });
  after(async () => server.stop());

  it('embeds with the spec dimension through `dimensions`, unit norm, and reports usage tokens', async () => {
    const provider = new OpenAIProvider(spec, { baseURL: server.baseURL, apiKey: server.apiKey });
    const { vectors, tokens } = await provider.embed(['The senate passed the budget.', 'A storm hit the coast.'], 'document');
    assert.equal(vectors.length, 2);
    for (const v of vectors) {
      assert.equal(v.length, 256);
      assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-4);
    }
    assert.ok(tokens > 8 && tokens < 40, `tokens ${tokens}`);
    assert.equal(server.requests.at(-1)?.dimensions, 256);
  });

  it('splits batches at the per-request input limit', async () => {
    const provider = new OpenAIProvider(spec, { baseURL: server.baseURL, apiKey: server.apiKey }, { maxInputs: 4, maxTokensPerRequest: 300_000 });
    const before = server.requests.length;
    const { vectors } = await provider.embed(Array.from({ length: 10 }, (_, i) => `sentence number ${i}`), 'document');
    assert.equal(vectors.length, 10);
    assert.deepEqual(server.requests.slice(before).map((r) => r.inputs), [4, 4, 2]);
  });

  it('turns a 400 for one input into a per-document failure, the rest embedded', async () => {
    const provider = new OpenAIProvider(spec, { baseURL: server.baseURL, apiKey: server.apiKey });
    await assert.rejects(provider.embed(['fine', 'bad <<reject>> text'], 'document'), InvalidEmbeddingError);
    const result = await embedIsolatingFailures(provider, ['fine', 'bad <<reject>> text', 'also fine']);
    assert.deepEqual(result.failures.map((f) => f.index), [1]);
    assert.ok(result.vectors[0] && !result.vectors[1] && result.vectors[2]);
  });

  it('fails fast with an actionable message for a wrong key, an unknown model or no key', async () => {
    const wrongKey = new OpenAIProvider(spec, { baseURL: server.baseURL, apiKey: 'sk-wrong' });
    await assert.rejects(wrongKey.embed(['x'], 'document'), (e: Error) => e instanceof ProviderConfigError && /refused our API key \(401/.test(e.message) && /Fix OPENAI_API_KEY/.test(e.message));
    const unknownModel = new OpenAIProvider({ ...spec, model: 'text-embedding-9' }, { baseURL: server.baseURL, apiKey: server.apiKey });
    await assert.rejects(unknownModel.embed(['x'], 'document'), /does not know model "text-embedding-9"/);
    assert.throws(() => new OpenAIProvider(spec, { baseURL: server.baseURL }), /OPENAI_API_KEY is not set/);
  });
});
