import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/env';

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

  it('rejects half-configured or conflicting Elasticsearch auth without echoing secrets', () => {
    assert.throws(() => loadConfig({ ES_USERNAME: 'elastic' }), /ES_PASSWORD=\(unset\): basic auth needs both/);
    assert.throws(() => loadConfig({ ES_API_KEY: 'secret-key', ES_USERNAME: 'u', ES_PASSWORD: 'p' }), (error: Error) => {
      assert.match(error.message, /choose one of ES_API_KEY or ES_USERNAME\/ES_PASSWORD/);
      assert.doesNotMatch(error.message, /secret-key/);
      return true;
    });
    assert.throws(() => loadConfig({ TEMPORAL_TLS: 'yes' }), /TEMPORAL_TLS="yes": expected true or false/);
  });
});
