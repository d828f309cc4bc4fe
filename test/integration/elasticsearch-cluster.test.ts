import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Client } from '@elastic/elasticsearch';
import { loadConfig } from '../../src/config/env.js';
import { SpecCatalog } from '../../src/embedding/spec-catalog.js';
import { createElasticsearchClient } from '../../src/store/elasticsearch-client.js';
import { VectorIndexStore } from '../../src/store/vector-index.js';
import { versionedIndexName } from '../../src/store/vector-index-layout.js';
import { hashedEmbedding } from '../helpers/hashed-vectors.js';
import { MigrationFixture } from '../helpers/migration-fixture.js';
import { uniqueName, waitFor } from '../helpers/services.js';

const exec = promisify(execFile);
const SERVICES = fileURLToPath(new URL('../../scripts/services.sh', import.meta.url));
const FIRST_PORT = Number(process.env.REEMBED_ES_CLUSTER_PORT ?? 9210);
const NODES = [0, 1, 2].map((i) => `http://127.0.0.1:${FIRST_PORT + i}`);
const NODE_NAMES = ['es-node-1', 'es-node-2', 'es-node-3'];
const SPEC = SpecCatalog.load().get('minilm-l6-v2');
/** A node restarting here recovers within seconds; a test need not wait the production minute to see the pause. */
const RED_INDEX_WAIT_MS = '4000';
const TARGET = 'minilm-l6-v2-cls';
/** Where the scripts keep the nodes' folders (scripts/lib.sh): as root /var/lib/reembed, else under the cache. */
const ES_ROOT =
  process.env.REEMBED_ES_ROOT ??
  (process.getuid?.() === 0 ? '/var/lib/reembed' : join(process.env.REEMBED_CACHE ?? join(homedir(), '.cache', 'reembed'), 'elasticsearch'));

/** `services.sh <args>` as an operator runs it; its log lines go to stderr. */
async function services(args: string[], env: Record<string, string> = {}): Promise<string> {
  const { stdout, stderr } = await exec('bash', [SERVICES, ...args], { env: { ...process.env, ...env }, timeout: 300_000 });
  return stdout + stderr;
}

/** Each cluster node's state and pid, as `services.sh status cluster` prints them. */
async function nodeStates(): Promise<Map<string, { state: string; pid: number | null }>> {
  const out = await exec('bash', [SERVICES, 'status', 'cluster']).catch((e: { stdout: string }) => ({ stdout: e.stdout }));
  return new Map(
    [...out.stdout.matchAll(/^(es-node-\d)\s+(\S+)\s+pid (\S+)/gm)].map((m) => [m[1]!, { state: m[2]!, pid: m[3] === '-' ? null : Number(m[3]) }]),
  );
}

const docs = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => {
    const text = `${prefix} document ${i}`;
    return { id: `${prefix}-${i}`, vector: hashedEmbedding(SPEC.model, text, SPEC.dimensions), sourceHash: `h${i}`, content: text };
  });

/**
 * A migration fixture on the cluster (every node in ES_URL) with a worker and a seeded
 * collection, closed once `body` is done: what each migration scenario below starts from.
 */
async function withClusterMigration(
  documents: number,
  body: (m: { fx: MigrationFixture; collection: string; source: string; target: string }) => Promise<void>,
): Promise<void> {
  const fx = await MigrationFixture.create({ ES_URL: NODES.join(','), REEMBED_RED_INDEX_WAIT_MS: RED_INDEX_WAIT_MS });
  try {
    await fx.startWorker();
    const collection = await fx.seedCollection(documents);
    const source = (await fx.registry.get(collection)).activeIndex;
    await body({ fx, collection, source, target: versionedIndexName(collection, fx.catalog.get(TARGET)) });
  } finally {
    await fx.close();
  }
}

/**
 * A local three-node cluster started by the project's script (`services.sh up cluster`),
 * with nodes killed and brought back, and one node's write queue shrunk until it rejects.
 */
describe('a three-node Elasticsearch cluster', () => {
  let startedHere = false;
  let es: Client;
  let store: VectorIndexStore;

  before(async () => {
    startedHere = [...(await nodeStates()).values()].some((n) => n.state !== 'healthy');
    await services(['up', 'cluster']);
    es = createElasticsearchClient(loadConfig({ ...process.env, ES_URL: NODES.join(',') }));
    store = new VectorIndexStore(es);
    await es.cluster.health({ wait_for_nodes: '3', timeout: '60s' });
    // A run killed half-way leaves its test indexes (some red: a node's data was deleted) in the cluster's folders.
    const leftovers = Object.keys(await es.indices.get({ index: 'mig-*', allow_no_indices: true, expand_wildcards: 'all' }));
    if (leftovers.length > 0) await es.indices.delete({ index: leftovers });
    await es.cluster.health({ wait_for_status: 'green', timeout: '60s' });
  });
  // A scenario that failed half-way leaves a node down; the next one starts from three nodes and
  // every shard copy recovered: a node killed while reembed-registry's replica is still being
  // rebuilt on a node that came back empty would take the registry's last copy with it.
  afterEach(async () => {
    await services(['up', 'cluster']);
    await es.cluster.health({ wait_for_nodes: '3', wait_for_status: 'green', timeout: '120s' });
  });
  after(async () => {
    await es?.close();
    if (startedHere) await services(['down', 'cluster']);
  });

  it("the node holding both the new index's primary and the old index's only copy SIGKILLed mid-backfill pauses the migration naming both lost shards, never reading them as missing documents; back and resumed, exact parity", async () => {
    await withClusterMigration(200, async ({ fx, collection, source, target }) => {
      // An old index without replicas, as some clusters run, and the new index created on the
      // node that holds its primary (during the backfill the new index has no replica either).
      await es.indices.putSettings({ index: source, settings: { number_of_replicas: 0 } });
      await es.cluster.health({ index: source, wait_for_status: 'green', timeout: '60s' });
      const [primary] = (await es.cat.shards({ index: source, format: 'json' })).filter((s) => s.prirep === 'p');
      const holder = primary!.node!;
      // Pinned there, or the balancer could move it off the node that now holds two shards.
      await es.indices.putSettings({ index: source, settings: { 'index.routing.allocation.require._name': holder } });
      const template = `${collection}-on-one-node`;
      await es.indices.putIndexTemplate({
        name: template,
        index_patterns: [`${target}*`],
        priority: 500,
        template: { settings: { 'index.routing.allocation.require._name': holder } },
      });
      try {
        await fx.client.startMigration({ collection, targetSpecId: TARGET, graceMs: 0, batchSize: 10, batchesPerActivity: 1 });
        await waitFor(async () => (await fx.client.status(collection)).documents.migrated >= 60, '30% of the backfill', 180_000);
        const [copy] = (await es.cat.shards({ index: target, format: 'json' })).filter((s) => s.prirep === 'p');
        assert.equal(copy!.node, holder, "the new index's primary is on the old index's node");
        process.kill((await nodeStates()).get(holder)!.pid!, 'SIGKILL');

        const paused = await fx.client.waitForPhase(collection, ['PAUSED', 'FAILED', 'AWAITING_APPROVAL'], { timeoutMs: 180_000 });
        assert.equal(paused.phase, 'BACKFILLING', paused.error ?? 'the indexes went red after the backfill');
        assert.equal(paused.pausedBy, 'elasticsearch');
        assert.match(paused.pauseReason!, new RegExp(`lost primary shards: ${source} shard\\(s\\) 0; ${target} shard\\(s\\) 0`));
        assert.match(paused.pauseReason!, /services:up -- cluster/);
        assert.match(paused.pauseReason!, /a lost shard of the old index cannot be rebuilt/);
        assert.ok(paused.documents.migrated < 200, 'nothing read as missing');

        await services(['up', 'cluster']);
        await es.cluster.health({ index: [source, target], wait_for_status: 'green', timeout: '120s' });
        await fx.client.resume(collection, { by: 'ops', reason: 'node back' });
        const waiting = await fx.client.waitForPhase(collection, ['AWAITING_APPROVAL'], { timeoutMs: 300_000 });
        assert.equal(waiting.verification?.ok, true, waiting.verification?.problems.join('; '));
        assert.equal(waiting.rebuiltShards, undefined, 'an index whose node came back is never rebuilt');
        const [inSource, inTarget] = await Promise.all([fx.contents(source), fx.contents(target)]);
        assert.equal(inTarget.size, 200);
        assert.deepEqual(inTarget, inSource, 'exact id and text-hash parity');
        await fx.client.reject(collection, { by: 'test', reason: 'done' });
        await fx.client.result(collection).catch(() => undefined);
      } finally {
        await es.indices.deleteIndexTemplate({ name: template });
      }
    });
  });

  it("a node gone for good (SIGKILLed, its data deleted) with live writes running: resumed, the new index's lost shard is rebuilt and the migration ends with exact parity and every live write", async () => {
    const live = { stop: false, written: new Map<string, string>(), failures: 0 };
    let writing: Promise<void> = Promise.resolve();
    await withClusterMigration(200, async ({ fx, collection, source, target }) => {
      try {
        // Live traffic for the whole run: new documents, then new texts for them; a write that fails is sent again.
        writing = (async () => {
          for (let n = 0; !live.stop; n++) {
            const id = `live-${n % 40}`;
            const text = `a live write number ${n} to ${id}`;
            while (!live.stop) {
              try {
                await fx.writer.upsert(collection, [{ id, text }]);
                live.written.set(id, text);
                break;
              } catch {
                live.failures++;
                await new Promise((r) => setTimeout(r, 500));
              }
            }
            await new Promise((r) => setTimeout(r, 200));
          }
        })();
        await fx.client.startMigration({ collection, targetSpecId: TARGET, graceMs: 3_600_000, batchSize: 10, batchesPerActivity: 1 });
        await waitFor(async () => (await fx.client.status(collection)).documents.migrated >= 80, '40% of the backfill', 180_000);

        const [primary] = (await es.cat.shards({ index: target, format: 'json' })).filter((s) => s.prirep === 'p');
        const holder = (await nodeStates()).get(primary!.node!)!;
        process.kill(holder.pid!, 'SIGKILL');
        await waitFor(async () => (await nodeStates()).get(primary!.node!)?.state === 'down', 'the node to be down', 30_000);
        rmSync(join(ES_ROOT, primary!.node!, 'data'), { recursive: true, force: true });
        await services(['up', 'cluster']);
        await es.cluster.health({ wait_for_nodes: '3', timeout: '120s' });

        await waitFor(async () => (await fx.client.status(collection)).pausedBy === 'elasticsearch', 'the migration to pause', 180_000);
        const paused = await fx.client.status(collection);
        assert.match(paused.pauseReason ?? '', new RegExp(`${target} shard\\(s\\) 0`));
        assert.match(paused.pauseReason ?? '', /gone for good, resume anyway/);
        await fx.client.resume(collection, { by: 'test', reason: 'es node lost with its disk' });
        const waiting = await fx.client.waitForPhase(collection, ['AWAITING_APPROVAL'], { timeoutMs: 300_000 });
        assert.deepEqual(
          waiting.rebuiltShards?.map((r) => [r.index, r.shards]),
          [[target, [0]]],
        );
        assert.ok(waiting.catchUp.reembedded > 0, 'the catch-up copied the lost documents again');
        live.stop = true;
        await writing;
        // Writes that reached the old index after the last catch-up pass are still on their way to the new one.
        await waitFor(
          async () => {
            const [a, b] = await Promise.all([fx.contents(source), fx.contents(target)]);
            return a.size === b.size && [...a].every(([id, h]) => b.get(id) === h);
          },
          'exact id and text-hash parity',
          60_000,
        );
        const inTarget = await fx.store.getMany(target, [...live.written.keys()]);
        for (const [id, text] of live.written) assert.equal(inTarget.get(id)?.content, text, `live write to ${id} present`);
        assert.ok(live.written.size > 20, `${live.written.size} live writes`);
        await fx.client.reject(collection, { by: 'test', reason: 'done' });
        await fx.client.result(collection).catch(() => undefined);
      } finally {
        live.stop = true;
        await writing;
      }
    });
  });

  it('the master SIGKILLed as the alias moves leaves it on exactly one index; in RETENTION, with replicas back, a node SIGKILLed under a query loop fails no search and writes still land, and `up cluster` brings back only that node', async () => {
    await withClusterMigration(120, async ({ fx, collection, source, target }) => {
      await fx.client.startMigration({ collection, targetSpecId: TARGET, graceMs: 0, batchSize: 20 });
      await fx.client.waitForPhase(collection, ['AWAITING_APPROVAL'], { timeoutMs: 300_000 });
      const replicas = await fx.store.numberOfReplicas(target);
      assert.equal(replicas, await fx.store.numberOfReplicas(source), "the serving settings gave the new index the old one's replicas");
      assert.ok(replicas >= 1);

      // The alias lives in the cluster state: the elected master applies the move.
      const master = (await es.cat.master({ format: 'json' }))[0]!.node!;
      await fx.client.approve(collection, { approver: 'test' });
      process.kill((await nodeStates()).get(master)!.pid!, 'SIGKILL');
      await fx.client.waitForPhase(collection, ['RETENTION'], { timeoutMs: 300_000 });
      assert.deepEqual(await fx.services.aliases.targets(collection), [target], 'the alias on the new index alone');
      await services(['up', 'cluster']);
      await es.cluster.health({ wait_for_nodes: '3', wait_for_status: 'green', timeout: '120s' });

      const router = fx.services.router();
      const queries = (await fx.store.scan(source, null, 20)).map((d) => d.content!);
      const tally = { searches: 0, failed: [] as string[], empty: 0 };
      let stop = false;
      const loop = (async () => {
        for (let i = 0; !stop; i++) {
          try {
            const { hits } = await router.search(collection, queries[i % queries.length]!, { k: 5 });
            tally.searches++;
            if (hits.length === 0) tally.empty++;
          } catch (error) {
            tally.failed.push((error as Error).message);
          }
        }
      })();
      await waitFor(async () => tally.searches >= 20, 'the query loop to run', 60_000);
      const masterNow = (await es.cat.master({ format: 'json' }))[0]!.node;
      const states = await nodeStates();
      assert.deepEqual([...states.keys()], NODE_NAMES);
      const [victim, { pid }] = [...states.entries()].find(([name]) => name !== masterNow)!;
      assert.ok(pid, 'status shows the pid of each running node');
      process.kill(pid, 'SIGKILL');
      const before = tally.searches;
      // The same clients, every node in their list, the dead one too: writes and reads land on the other two.
      const written = await fx.writer.upsert(collection, [
        { id: 'while-down-1', text: 'a document written while a node was down' },
        { id: 'while-down-2', text: 'another document written while a node was down' },
      ]);
      assert.deepEqual(written.failed, []);
      await waitFor(async () => tally.searches >= before + 100, '100 searches with a node down', 120_000);
      stop = true;
      await loop;
      assert.deepEqual(tally.failed, [], `0 failed searches of ${tally.searches}`);
      assert.equal(tally.empty, 0, 'every search found documents');
      const read = await fx.store.getMany(target, ['while-down-1', 'while-down-2']);
      assert.equal(read.get('while-down-2')?.content, 'another document written while a node was down');
      await fx.store.refresh(target);
      const found = await router.search(collection, 'another document written while a node was down', { k: 5 });
      assert.equal(found.hits[0]?.id, 'while-down-2', 'a kNN search with the node down finds the document written meanwhile');
      assert.equal((await nodeStates()).get(victim)?.state, 'down');

      const brought = await services(['up', 'cluster']);
      for (const other of NODE_NAMES.filter((n) => n !== victim)) assert.match(brought, new RegExp(`${other} already running`));
      assert.match(brought, new RegExp(`starting ${victim}\\b`));
      const back = await nodeStates();
      assert.ok([...back.values()].every((n) => n.state === 'healthy' && n.pid !== null));
      assert.notEqual(back.get(victim)!.pid, pid);
      await es.cluster.health({ wait_for_nodes: '3', wait_for_status: 'green', timeout: '120s' });
      await fx.client.endRetention(collection, { by: 'test' });
      await fx.client.result(collection);
    });
  });

  it('bulk items a node rejects with a full write queue are sent again alone until every document lands', async () => {
    await services(['down', 'es-node-3']);
    await services(['up', 'es-node-3'], { REEMBED_ES_WRITE_QUEUE: '1' });
    try {
      await es.cluster.health({ wait_for_nodes: '3', timeout: '120s' });
      const index = uniqueName('mig-cluster');
      // Six primaries over three nodes: two on the node whose queue holds one request.
      await store.ensureIndex(index, SPEC, { number_of_shards: 6, number_of_replicas: 0 });
      await es.cluster.health({ index, wait_for_status: 'green', timeout: '60s' });
      const outcomes = await Promise.all(Array.from({ length: 8 }, (_, b) => store.bulkUpsert(index, SPEC, docs(`batch${b}`, 250))));
      const rejections = outcomes.reduce((sum, o) => sum + o.rejections, 0);
      assert.ok(rejections > 0, 'the shrunk queue rejected some items');
      await store.refresh(index);
      assert.equal(await store.count(index), 2000, `every document landed after ${rejections} rejection(s)`);
      await store.deleteIndex(index);
    } finally {
      await services(['down', 'es-node-3']);
      await services(['up', 'es-node-3']);
    }
  });
});
