import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { installedPackages } from '../helpers/installed-packages.js';
import { MigrationFixture } from '../helpers/migration-fixture.js';

const exec = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const PEERS = Object.keys((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { peerDependencies: Record<string, string> }).peerDependencies);

/**
 * What another service gets from `npm install reembed`: the packed tarball, unpacked into
 * node_modules as npm does, used from plain Node — no tsx, no TypeScript sources. Its
 * dependencies are linked from this project's install (the same locked versions), so the
 * test sends no traffic to a registry; the optional peer dependencies (model runtimes, the
 * Temporal worker, the demo corpus) are left out, as a plain `npm install` leaves them, until
 * a test adds them. (`npm run bench -- client-install` measures a real install's size.)
 */
describe('the packed package from plain Node', () => {
  let fx: MigrationFixture;
  let consumer: string;
  let collection: string;
  const link = (name: string) => {
    mkdirSync(join(consumer, 'node_modules', name, '..'), { recursive: true });
    symlinkSync(join(root, 'node_modules', name), join(consumer, 'node_modules', name));
  };

  before(async () => {
    fx = await MigrationFixture.create();
    collection = await fx.seedCollection(3);
    consumer = mkdtempSync(join(tmpdir(), 'reembed-consumer-'));
    const { stdout } = await exec('npm', ['pack', '--json', '--pack-destination', consumer], { cwd: root });
    const [{ filename }] = JSON.parse(stdout) as [{ filename: string }];
    const installed = join(consumer, 'node_modules', 'reembed');
    mkdirSync(installed, { recursive: true });
    await exec('tar', ['-xzf', join(consumer, filename), '-C', installed, '--strip-components=1']);
    for (const name of installedPackages(join(root, 'node_modules')).filter((p) => !PEERS.includes(p))) link(name);
  });
  after(async () => {
    rmSync(consumer, { recursive: true, force: true });
    await fx.close();
  });

  it('ships compiled JavaScript with declarations, and no TypeScript sources', () => {
    const manifest = JSON.parse(readFileSync(join(consumer, 'node_modules/reembed/package.json'), 'utf8')) as {
      exports: { '.': { types: string; default: string } };
    };
    const shipped = (dir: string): string[] => readdirSync(join(consumer, 'node_modules/reembed', dir), { recursive: true }).map(String);
    assert.ok(shipped('dist').includes(manifest.exports['.'].default.replace('./dist/', '')));
    assert.ok(shipped('dist').includes(manifest.exports['.'].types.replace('./dist/', '')));
    assert.ok(
      shipped('dist').some((f) => f.endsWith('workflows/index.js')),
      'the worker can bundle the compiled workflows',
    );
    assert.deepEqual(
      shipped('dist').filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')),
      [],
    );
  });

  it('imports ReembedClient and reads a collection status', async () => {
    const script = `
      import { loadConfig, ReembedClient } from 'reembed';
      const client = await ReembedClient.connect(loadConfig());
      try { process.stdout.write(JSON.stringify(await client.status(process.argv[1]))); } finally { await client.close(); }`;
    const { stdout } = await exec(process.execPath, ['--input-type=module', '-e', script, collection], {
      cwd: consumer,
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    const status = JSON.parse(stdout) as { collection: string; phase: string; activeSpecId: string; aliasTarget: string };
    assert.equal(status.collection, collection);
    assert.equal(status.phase, 'NONE');
    assert.equal(status.activeSpecId, 'minilm-l6-v2');
    assert.match(status.aliasTarget, new RegExp(`^${collection}__minilm-l6-v2__`));
  });

  it('says which optional dependency a search with a local model needs, with the npm install that brings it', async () => {
    const script = `
      import { createSearchRouter, loadConfig } from 'reembed';
      const router = createSearchRouter(loadConfig());
      try { await router.search(process.argv[1], 'jobs and the economy'); } catch (e) { process.stdout.write(JSON.stringify({ name: e.name, message: e.message })); } finally { await router.close(); }`;
    const { stdout } = await exec(process.execPath, ['--input-type=module', '-e', script, collection], {
      cwd: consumer,
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    const error = JSON.parse(stdout) as { name: string; message: string };
    assert.equal(error.name, 'MissingDependencyError');
    assert.match(
      error.message,
      /^A local model spec \(transformers\.js\) needs @huggingface\/transformers, an optional dependency of reembed that @huggingface\/transformers is not installed here\. Run: npm install @huggingface\/transformers@4\.3\.1$/,
    );
  });

  it('serves the worker from its own entry point once its optional dependencies are installed', async () => {
    const script = `const { createReembedWorker, WORKFLOWS_PATH } = await import('reembed/worker');
      const { existsSync } = await import('node:fs');
      process.stdout.write(JSON.stringify({ factory: typeof createReembedWorker, workflows: existsSync(WORKFLOWS_PATH) && WORKFLOWS_PATH.endsWith('.js') }));`;
    const missing = await exec(process.execPath, ['--input-type=module', '-e', script], { cwd: consumer }).catch((error: { stderr: string }) => error);
    assert.match(
      (missing as { stderr: string }).stderr,
      /MissingDependencyError: The reembed worker needs .*Run: npm install @temporalio\/worker@1\.24\.0 @temporalio\/activity@1\.24\.0 @temporalio\/workflow@1\.24\.0/,
    );
    for (const name of PEERS) link(name);
    const { stdout } = await exec(process.execPath, ['--input-type=module', '-e', script], { cwd: consumer });
    assert.deepEqual(JSON.parse(stdout), { factory: 'function', workflows: true });
  });

  it('runs the installed CLI', async () => {
    const { stdout } = await exec(join(consumer, 'node_modules/reembed/bin/reembed'), ['models', '--json'], { cwd: consumer });
    assert.ok((JSON.parse(stdout) as { id: string }[]).some((s) => s.id === 'minilm-l6-v2'));
  });
});
