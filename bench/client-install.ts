import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { installedPackages } from '../test/helpers/installed-packages.js';
import { recordResult } from './results.js';

/**
 * What a service that only starts migrations, sends operator actions, reads status and
 * routes searches pays to install reembed: `npm install` of the packed package in an empty
 * folder, from the registry, with no environment variable, then the size of node_modules.
 */

const exec = promisify(execFile);
const root = resolve(import.meta.dirname, '..');

export interface ClientInstallFigures {
  readonly seconds: number;
  readonly bytes: number;
  readonly packages: number;
  /** The largest installed packages, by bytes on disk. */
  readonly largest: readonly { readonly name: string; readonly bytes: number }[];
  /** What `import('reembed')` exported there, as a check that the install works. */
  readonly exports: number;
}

function bytesUnder(path: string): number {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, entry) => sum + bytesUnder(join(path, entry)), 0);
}

async function main(): Promise<void> {
  const consumer = mkdtempSync(join(tmpdir(), 'reembed-client-install-'));
  try {
    const { stdout } = await exec('npm', ['pack', '--json', '--pack-destination', consumer], { cwd: root });
    const [{ filename }] = JSON.parse(stdout) as [{ filename: string }];
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'a-service', private: true, type: 'module' }));
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('npm_') && !key.startsWith('REEMBED_')));
    const start = performance.now();
    await exec('npm', ['install', '--no-audit', '--no-fund', join(consumer, filename)], { cwd: consumer, env });
    const seconds = (performance.now() - start) / 1000;
    const modules = join(consumer, 'node_modules');
    const sizes = installedPackages(modules).map((name) => ({ name, bytes: bytesUnder(join(modules, name)) }));
    const probe = await exec(process.execPath, ['--input-type=module', '-e', "process.stdout.write(String(Object.keys(await import('reembed')).length))"], {
      cwd: consumer,
    });
    const figures: ClientInstallFigures = {
      seconds,
      bytes: bytesUnder(modules),
      packages: sizes.length,
      largest: sizes.sort((a, b) => b.bytes - a.bytes).slice(0, 8),
      exports: Number(probe.stdout),
    };
    console.log(JSON.stringify(figures));
    const file = recordResult<ClientInstallFigures>('client-install', 'npm run bench -- client-install', figures);
    console.log(`client install figures recorded in ${file}; render them with npm run bench:render`);
  } finally {
    rmSync(consumer, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  console.error(`client install bench failed: ${error.message}`);
  process.exit(1);
});
