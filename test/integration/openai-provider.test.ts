import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig, type OpenAIDeployment } from '../../src/config/env.js';
import { embedIsolatingFailures } from '../../src/embedding/embed-isolating-failures.js';
import { OpenAIProvider, type OpenAISpec } from '../../src/embedding/openai-provider.js';
import { ProviderConfigError } from '../../src/errors.js';
import { InvalidEmbeddingError, type EmbeddingProvider } from '../../src/embedding/provider.js';
import { ProviderPool } from '../../src/embedding/provider-pool.js';
import { RateLimiter } from '../../src/embedding/rate-limiter.js';
import { SpecCatalog } from '../../src/embedding/spec-catalog.js';
import { OpenAICompatibleServer } from '../helpers/openai-compatible-server.js';

describe('OpenAI provider (real openai client, local OpenAI-compatible server)', () => {
  const catalog = SpecCatalog.load();
  const spec = catalog.get('openai-3-small-256') as OpenAISpec;
  let local: EmbeddingProvider;
  let server: OpenAICompatibleServer;
  const servers: OpenAICompatibleServer[] = [];
  const start = async (limits?: { rpm?: number; tpm?: number }) => {
    const s = await OpenAICompatibleServer.start(local, { apiKey: 'sk-test-123', models: ['text-embedding-3-small'], ...(limits ? { limits } : {}) });
    servers.push(s);
    return s;
  };
  const channel = (s: OpenAICompatibleServer, overrides: Partial<OpenAIDeployment> = {}, maxConcurrency = 4) => {
    const deployment = { name: `d${servers.indexOf(s)}`, baseURL: s.baseURL, apiKey: s.apiKey, ...overrides };
    return {
      deployment,
      limiter: new RateLimiter({ ...(deployment.rpm ? { rpm: deployment.rpm } : {}), ...(deployment.tpm ? { tpm: deployment.tpm } : {}), maxConcurrency }),
    };
  };
  const provider = (s: OpenAICompatibleServer, maxInputsPerRequest = 2048) => new OpenAIProvider(spec, [channel(s)], { maxInputsPerRequest });

  before(async () => {
    local = await new ProviderPool(loadConfig()).get(catalog.get('minilm-l6-v2'));
    server = await start();
  });
  after(async () => Promise.all(servers.map((s) => s.stop())));

  it('embeds with the spec dimension through `dimensions`, unit norm, and reports usage tokens', async () => {
    const { vectors, tokens } = await provider(server).embed(['The senate passed the budget.', 'A storm hit the coast.'], 'document');
    assert.equal(vectors.length, 2);
    for (const v of vectors) {
      assert.equal(v.length, 256);
      assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-4);
    }
    assert.ok(tokens > 8 && tokens < 40, `tokens ${tokens}`);
    assert.equal(server.requests.at(-1)?.dimensions, 256);
    assert.equal(server.requests.at(-1)?.encodingFormat, 'base64');
  });

  it('decodes base64 embeddings to the same vectors a server answering in JSON floats gives', async () => {
    const floats = await OpenAICompatibleServer.start(local, { apiKey: 'sk-test-123', models: ['text-embedding-3-small'], floatsOnly: true });
    servers.push(floats);
    const texts = ['The senate passed the budget.', 'A storm hit the coast.', 'Élan vital — 東京'];
    const [fromBase64, fromFloats] = await Promise.all([provider(server).embed(texts, 'document'), provider(floats).embed(texts, 'document')]);
    assert.deepEqual(fromBase64.vectors, fromFloats.vectors);
    assert.equal(fromBase64.vectors[2]!.length, 256);
    assert.equal(floats.requests.at(-1)?.encodingFormat, 'base64', 'asked for base64, answered in floats');
  });

  it('counts tokens with the model tokenizer (cl100k_base) and truncates over-long input before sending it', async () => {
    const p = provider(server);
    // Hand-checked cl100k_base counts (OpenAI cookbook): "tiktoken is great!" → 6, "antidisestablishmentarianism" → 6.
    assert.deepEqual(p.countTokens(['tiktoken is great!', 'antidisestablishmentarianism', 'hello world'], 'document'), [6, 6, 2]);
    const long = 'word '.repeat(9000);
    assert.ok(p.countTokens([long], 'document')[0]! > spec.maxTokens);
    const result = await p.embed([long, 'short text'], 'document');
    assert.equal(result.truncated, 1);
    assert.equal(result.tokens, spec.maxTokens + p.countTokens(['short text'], 'document')[0]!);
    assert.equal(server.requests.at(-1)?.status, 200, 'the truncated input did not reach the API as an over-long input');
    // Over the limit in bytes, not in tokens: counted, and sent whole.
    const wordy = 'word '.repeat(2000);
    const whole = await p.embed([wordy], 'document');
    assert.equal(whole.truncated, 0);
    assert.equal(whole.tokens, p.countTokens([wordy], 'document')[0]);
    assert.ok(Buffer.byteLength(wordy) > spec.maxTokens);
  });

  it('splits batches at the per-request input limit', async () => {
    const before = server.requests.length;
    const { vectors } = await provider(server, 4).embed(
      Array.from({ length: 10 }, (_, i) => `sentence number ${i}`),
      'document',
    );
    assert.equal(vectors.length, 10);
    assert.deepEqual(
      server.requests
        .slice(before)
        .map((r) => r.inputs)
        .sort(),
      [2, 4, 4],
    );
  });

  it('turns a 400 for one input into a per-document failure, the rest embedded', async () => {
    const p = provider(server);
    await assert.rejects(p.embed(['fine', 'bad <<reject>> text'], 'document'), InvalidEmbeddingError);
    const result = await embedIsolatingFailures(p, ['fine', 'bad <<reject>> text', 'also fine']);
    assert.deepEqual(
      result.failures.map((f) => f.index),
      [1],
    );
    assert.ok(result.vectors[0] && !result.vectors[1] && result.vectors[2]);
  });

  it('fails fast with an actionable message for a wrong key, an unknown model or no key', async () => {
    const wrongKey = new OpenAIProvider(spec, [channel(server, { apiKey: 'sk-wrong' })]);
    await assert.rejects(
      wrongKey.embed(['x'], 'document'),
      (e: Error) => e instanceof ProviderConfigError && /refused our API key \(401/.test(e.message) && /Fix OPENAI_API_KEY/.test(e.message),
    );
    const unknownModel = new OpenAIProvider({ ...spec, model: 'text-embedding-9' }, [channel(server)]);
    await assert.rejects(unknownModel.embed(['x'], 'document'), /does not know model "text-embedding-9"/);
    const { apiKey: _none, ...withoutKey } = channel(server).deployment;
    const noKey = new OpenAIProvider(spec, [{ deployment: withoutKey, limiter: new RateLimiter({ maxConcurrency: 1 }) }]);
    await assert.rejects(noKey.embed(['x'], 'document'), (e: Error) => e instanceof ProviderConfigError && /OPENAI_API_KEY/.test(e.message));
  });

  it('backs off on 429 honouring retry-after, lowers its concurrency, then recovers it', async () => {
    const c = channel(server, {}, 4);
    const p = new OpenAIProvider(spec, [c], { maxInputsPerRequest: 2 });
    server.inject({ kind: 'rate-limit', retryAfterMs: 400 }, 3);
    const t = Date.now();
    const { vectors } = await p.embed(
      Array.from({ length: 8 }, (_, i) => `throttled sentence ${i}`),
      'document',
    );
    assert.equal(vectors.length, 8);
    assert.ok(Date.now() - t >= 400, `waited ${Date.now() - t} ms`);
    assert.equal(c.limiter.stats.throttled, 3);
    assert.ok(c.limiter.stats.lowestConcurrency < 4, `lowest concurrency ${c.limiter.stats.lowestConcurrency}`);
    for (let i = 0; i < 6; i++)
      await p.embed(
        Array.from({ length: 8 }, (_, j) => `recovery ${i} ${j}`),
        'document',
      );
    assert.equal(c.limiter.stats.concurrency, 4, 'concurrency recovered after a run of successes');
  });

  it('retries 5xx bursts, malformed bodies, slow replies and connection resets; usage counts what was billed', async () => {
    const fresh = await start();
    const p = provider(fresh, 1);
    fresh.inject({ kind: 'server-error', status: 500 }, 2);
    fresh.inject({ kind: 'malformed' });
    fresh.inject({ kind: 'reset' });
    fresh.inject({ kind: 'server-error', status: 502 });
    fresh.inject({ kind: 'slow', ms: 300 });
    const texts = ['one fine day', 'two more days', 'three weeks later'];
    const { vectors, tokens } = await p.embed(texts, 'document');
    assert.equal(vectors.length, 3);
    assert.equal(fresh.pendingFaults, 0);
    assert.ok(p.stats.retries >= 5, `retries ${p.stats.retries}`);
    // The malformed reply was billed by the server but not usable; usage counts replies we read.
    assert.equal(
      tokens,
      p.countTokens(texts, 'document').reduce((a, b) => a + b, 0),
    );
  });

  it('fails over to a second deployment of the same model while the first keeps failing', async () => {
    const primary = await start();
    const fallback = await start();
    primary.inject({ kind: 'server-error', status: 500 }, 50);
    const p = new OpenAIProvider(spec, [channel(primary), channel(fallback)], { maxInputsPerRequest: 4 });
    const { vectors } = await p.embed(
      Array.from({ length: 12 }, (_, i) => `failover sentence ${i}`),
      'document',
    );
    assert.equal(vectors.length, 12);
    assert.ok(p.stats.failovers >= 1);
    assert.equal(fallback.embedded.length, 12, 'the fallback embedded every input');
    assert.equal(primary.embedded.length, 0);
  });
});
