import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/env.js';
import { writerStalenessFor } from '../../src/migration/writer-staleness.js';

describe('configuration from the environment', () => {
  it('defaults to the local services', () => {
    const config = loadConfig({});
    assert.equal(config.temporal.address, '127.0.0.1:7233');
    assert.equal(config.temporal.namespace, 'default');
    assert.equal(config.temporal.taskQueue, 'reembed');
    assert.equal(config.temporal.tls, false);
    assert.equal(config.elasticsearch.url, 'http://127.0.0.1:9200');
    assert.deepEqual(config.elasticsearch.auth, { kind: 'none' });
    assert.ok(Object.isFrozen(config) && Object.isFrozen(config.temporal));
  });

  it('reads the registry cache, from which the writer-staleness wait of the migrations a client starts follows', () => {
    assert.equal(loadConfig({}).registryCacheMs, 2000);
    assert.equal(writerStalenessFor(loadConfig({}).registryCacheMs), 5000, 'the default wait stays 5 s');
    assert.equal(writerStalenessFor(loadConfig({ REEMBED_REGISTRY_CACHE_MS: '400' }).registryCacheMs), 1000);
    assert.throws(() => loadConfig({ REEMBED_REGISTRY_CACHE_MS: '-1' }), /REEMBED_REGISTRY_CACHE_MS="-1".*\n?.*Fix: milliseconds from 0 to 60000/s);
  });

  it('derives basic auth, API-key auth and TLS for an API key', () => {
    assert.deepEqual(loadConfig({ ES_USERNAME: 'u', ES_PASSWORD: 'p' }).elasticsearch.auth, { kind: 'basic', username: 'u', password: 'p' });
    assert.deepEqual(loadConfig({ ES_API_KEY: 'k' }).elasticsearch.auth, { kind: 'apiKey', apiKey: 'k' });
    const cloud = loadConfig({ TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_API_KEY: 'key' });
    assert.equal(cloud.temporal.tls, true);
    assert.equal(cloud.temporal.apiKey, 'key');
    assert.equal(loadConfig({ TEMPORAL_API_KEY: 'key', TEMPORAL_TLS: 'false' }).temporal.tls, false);
  });

  it('names the variable, the bad value and the fix', () => {
    assert.throws(
      () => loadConfig({ TEMPORAL_ADDRESS: 'localhost', ES_URL: 'ftp://x' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /TEMPORAL_ADDRESS="localhost": expected host:port/);
        assert.match(error.message, /Fix: point it at your Temporal frontend/);
        assert.match(error.message, /ES_URL="ftp:\/\/x": expected an http\(s\) URL/);
        return true;
      },
    );
  });

  it('reads several Elasticsearch nodes from a comma-separated ES_URL, and names a bad one', () => {
    const cluster = loadConfig({ ES_URL: 'http://127.0.0.1:9210, http://127.0.0.1:9211,http://127.0.0.1:9212' });
    assert.deepEqual(cluster.elasticsearch.nodes, ['http://127.0.0.1:9210', 'http://127.0.0.1:9211', 'http://127.0.0.1:9212']);
    assert.equal(cluster.elasticsearch.url, 'http://127.0.0.1:9210,http://127.0.0.1:9211,http://127.0.0.1:9212');
    assert.deepEqual(loadConfig({}).elasticsearch.nodes, ['http://127.0.0.1:9200']);
    assert.throws(() => loadConfig({ ES_URL: 'http://es1:9200,es2:9200' }), /ES_URL="http:\/\/es1:9200,es2:9200": .*expected an http\(s\) URL/);
    assert.throws(() => loadConfig({ ES_URL: ' , ' }), /expected node URLs separated by commas/);
  });

  it('rejects half-configured or conflicting Elasticsearch auth without echoing secrets', () => {
    assert.throws(() => loadConfig({ ES_USERNAME: 'elastic' }), /ES_PASSWORD=\(unset\): basic auth needs both/);
    assert.throws(
      () => loadConfig({ ES_API_KEY: 'secret-key', ES_USERNAME: 'u', ES_PASSWORD: 'p' }),
      (error: Error) => {
        assert.match(error.message, /choose one of ES_API_KEY or ES_USERNAME\/ES_PASSWORD/);
        assert.doesNotMatch(error.message, /secret-key/);
        return true;
      },
    );
    assert.throws(() => loadConfig({ TEMPORAL_TLS: 'yes' }), /TEMPORAL_TLS="yes": expected true or false/);
  });

  it('reads paid-API deployments, limits, price overrides and the task-queue cap', () => {
    const config = loadConfig({
      OPENAI_BASE_URL: 'https://east.example.com/v1/',
      OPENAI_API_KEY: 'sk-east',
      OPENAI_RPM: '3000',
      OPENAI_TPM: '1000000',
      OPENAI_FALLBACK_BASE_URL: 'https://west.example.com/v1',
      OPENAI_FALLBACK_TPM: '500000',
      REEMBED_PRICES: 'openai-3-small-256=0.02, my-spec=0.13',
      REEMBED_TASK_QUEUE_ACTIVITIES_PER_SECOND: '2.5',
    });
    assert.deepEqual(config.openai.deployments, [
      { name: 'primary', baseURL: 'https://east.example.com/v1', apiKey: 'sk-east', rpm: 3000, tpm: 1_000_000 },
      { name: 'fallback', baseURL: 'https://west.example.com/v1', apiKey: 'sk-east', tpm: 500_000 },
    ]);
    assert.deepEqual(config.prices, { 'openai-3-small-256': 0.02, 'my-spec': 0.13 });
    assert.equal(config.taskQueueActivitiesPerSecond, 2.5);
    assert.equal(loadConfig({}).openai.deployments.length, 1);
  });

  it('rejects bad limits and prices with the fix', () => {
    assert.throws(() => loadConfig({ OPENAI_TPM: '1.5k' }), /OPENAI_TPM="1.5k": .*Fix: the deployment's tokens-per-minute limit/);
    assert.throws(() => loadConfig({ REEMBED_PRICES: 'spec:0.02' }), /REEMBED_PRICES="spec:0.02": expected <spec>=<dollars per million tokens>/);
    assert.throws(() => loadConfig({ OPENAI_FALLBACK_API_KEY: 'sk-x' }), /OPENAI_FALLBACK_BASE_URL=\(unset\): a fallback key needs its endpoint/);
  });
});
