import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../../src/worker/create-worker.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CACHE = join(ROOT, 'node_modules', '.cache', 'reembed-workflow-bundles');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : []))
    .sort();
}

let bundle: Promise<{ codePath: string }> | undefined;

/**
 * The workflow bundle of today's source, built once for every test process: webpack takes
 * seconds per build, and each test file (and each worker restart in it) would otherwise
 * rebuild the same code. Keyed by a hash of src/ and the lockfile; written atomically, so
 * two files bundling at once both end with a whole file.
 */
export function cachedWorkflowBundle(): Promise<{ codePath: string }> {
  bundle ??= (async () => {
    const hash = createHash('sha256');
    for (const file of [...sourceFiles(join(ROOT, 'src')), join(ROOT, 'package-lock.json')]) hash.update(file).update(readFileSync(file));
    const codePath = join(CACHE, `${hash.digest('hex').slice(0, 16)}.js`);
    if (!existsSync(codePath)) {
      const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') });
      mkdirSync(CACHE, { recursive: true });
      const partial = `${codePath}.${process.pid}.partial`;
      writeFileSync(partial, code);
      renameSync(partial, codePath);
    }
    return { codePath };
  })();
  return bundle;
}
