import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { z } from 'zod';
import { SEARCH_ATTRIBUTE_KEYS } from '../../temporal.config.js';
import { loadConfig } from '../../src/config/env.js';

// No Docker engine runs on our CI machines, so the file's structure is what we can prove.
const serviceSchema = z.object({
  profiles: z.array(z.string()).optional(),
  image: z.string().regex(/^[\w./-]+:[\w.-]+$/, 'a pinned image tag'),
  command: z.array(z.string()).optional(),
  environment: z.array(z.string()).optional(),
  depends_on: z.union([z.array(z.string()), z.record(z.string(), z.object({ condition: z.string() }))]).optional(),
  ports: z.array(z.string()).min(1),
  volumes: z.array(z.string()).min(1).optional(),
  healthcheck: z.object({ test: z.array(z.string()).min(2) }).optional(),
});
type Service = z.infer<typeof serviceSchema>;
const stateful = serviceSchema.required({ volumes: true, healthcheck: true });
const composeSchema = z.object({
  services: z.object({
    temporal: stateful,
    elasticsearch: stateful,
    postgresql: stateful,
    'temporal-server': serviceSchema.required({ healthcheck: true }),
    'temporal-ui': serviceSchema,
    es01: stateful,
    es02: stateful,
    es03: stateful,
  }),
  volumes: z.record(z.string(), z.unknown()),
});

const compose = composeSchema.parse(parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8')));
const published = (s: Service) => s.ports.map((p) => p.split(':').slice(0, 2).join(':'));
const env = (s: Service) => new Map((s.environment ?? []).map((e) => [e.split('=')[0]!, e.slice(e.indexOf('=') + 1)]));
const NODES = ['es01', 'es02', 'es03'] as const;

describe('docker-compose.yml', () => {
  it('uses the official images', () => {
    assert.match(compose.services.temporal.image, /^temporalio\/temporal:/);
    for (const name of ['elasticsearch', ...NODES] as const)
      assert.match(compose.services[name].image, /^docker\.elastic\.co\/elasticsearch\/elasticsearch:9\./);
    assert.match(compose.services['temporal-server'].image, /^temporalio\/auto-setup:/);
    assert.match(compose.services.postgresql.image, /^postgres:/);
  });

  it('publishes the ports the default configuration expects, on loopback', () => {
    const defaults = loadConfig({});
    assert.ok(published(compose.services.temporal).includes(`127.0.0.1:${defaults.temporal.address.split(':')[1]}`));
    assert.ok(published(compose.services.temporal).includes(`127.0.0.1:${new URL(defaults.temporal.uiUrl).port}`));
    assert.ok(published(compose.services.elasticsearch).includes(`127.0.0.1:${new URL(defaults.elasticsearch.url).port}`));
  });

  it('keeps state on named volumes', () => {
    for (const service of Object.values(compose.services)) {
      for (const volume of (service.volumes ?? []).map((v) => v.split(':')[0]!)) assert.ok(volume in compose.volumes, `${volume} is declared`);
    }
  });

  it('registers the same search attributes and Elasticsearch settings as the native scripts', () => {
    const attrs = (compose.services.temporal.command ?? []).filter((c) => c.startsWith('--search-attribute=')).map((c) => c.split('=')[1]);
    assert.deepEqual(new Set(attrs), new Set(SEARCH_ATTRIBUTE_KEYS.map((key) => key.name)));
    assert.equal(env(compose.services.elasticsearch).get('discovery.type'), 'single-node');
    assert.equal(env(compose.services.elasticsearch).get('xpack.security.enabled'), 'false');
  });

  it("its production profile runs Temporal on PostgreSQL and a three-node Elasticsearch on the local cluster's ports", () => {
    const production = Object.entries(compose.services)
      .filter(([, s]) => s.profiles?.includes('production'))
      .map(([name]) => name);
    assert.deepEqual(production.sort(), ['es01', 'es02', 'es03', 'postgresql', 'temporal-server', 'temporal-ui']);
    const server = env(compose.services['temporal-server']);
    assert.equal(server.get('DB'), 'postgres12');
    assert.equal(server.get('POSTGRES_SEEDS'), 'postgresql');
    assert.deepEqual(compose.services['temporal-server'].depends_on, { postgresql: { condition: 'service_healthy' } });
    assert.equal(env(compose.services['temporal-ui']).get('TEMPORAL_ADDRESS'), 'temporal-server:7233');
    NODES.forEach((name, i) => {
      const node = env(compose.services[name]);
      assert.equal(node.get('node.name'), name);
      assert.equal(node.get('cluster.name'), 'reembed-production');
      assert.equal(node.get('discovery.seed_hosts'), NODES.join(','));
      assert.equal(node.get('cluster.initial_master_nodes'), NODES.join(','));
      assert.deepEqual(published(compose.services[name]), [`127.0.0.1:${9210 + i}`]);
    });
    // Nothing of the production profile collides with the development services' ports.
    const ports = Object.values(compose.services).flatMap((s) => published(s));
    assert.equal(new Set(ports).size, ports.length);
  });
});
