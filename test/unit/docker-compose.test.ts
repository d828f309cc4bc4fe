import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { z } from 'zod';
import { SEARCH_ATTRIBUTE_KEYS } from '../../temporal.config.js';
import { loadConfig } from '../../src/config/env.js';

// No Docker engine runs on our CI machines, so the file's structure is what we can prove.
const serviceSchema = z.object({
  image: z.string().regex(/^[\w./-]+:[\w.-]+$/, 'a pinned image tag'),
  command: z.array(z.string()).optional(),
  environment: z.array(z.string()).optional(),
  ports: z.array(z.string()).min(1),
  volumes: z.array(z.string()).min(1),
  healthcheck: z.object({ test: z.array(z.string()).min(2) }),
});
const composeSchema = z.object({
  services: z.object({ temporal: serviceSchema, elasticsearch: serviceSchema }),
  volumes: z.record(z.string(), z.unknown()),
});

const compose = composeSchema.parse(parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8')));

describe('docker-compose.yml', () => {
  it('uses the official images', () => {
    assert.match(compose.services.temporal.image, /^temporalio\/temporal:/);
    assert.match(compose.services.elasticsearch.image, /^docker\.elastic\.co\/elasticsearch\/elasticsearch:9\./);
  });

  it('publishes the ports the default configuration expects, on loopback', () => {
    const defaults = loadConfig({});
    const published = (s: { ports: string[] }) => s.ports.map((p) => p.split(':').slice(0, 2).join(':'));
    assert.ok(published(compose.services.temporal).includes(`127.0.0.1:${defaults.temporal.address.split(':')[1]}`));
    assert.ok(published(compose.services.temporal).includes(`127.0.0.1:${new URL(defaults.temporal.uiUrl).port}`));
    assert.ok(published(compose.services.elasticsearch).includes(`127.0.0.1:${new URL(defaults.elasticsearch.url).port}`));
  });

  it('keeps state on named volumes', () => {
    for (const service of Object.values(compose.services)) {
      const volume = service.volumes[0]!.split(':')[0]!;
      assert.ok(volume in compose.volumes, `${volume} is declared`);
    }
  });

  it('registers the same search attributes and Elasticsearch settings as the native scripts', () => {
    const attrs = (compose.services.temporal.command ?? []).filter((c) => c.startsWith('--search-attribute=')).map((c) => c.split('=')[1]);
    assert.deepEqual(new Set(attrs), new Set(SEARCH_ATTRIBUTE_KEYS.map((key) => key.name)));
    const env = compose.services.elasticsearch.environment ?? [];
    assert.ok(env.includes('discovery.type=single-node'));
    assert.ok(env.includes('xpack.security.enabled=false'));
  });
});
