import { readFileSync } from 'node:fs';
import { MissingDependencyError } from './errors.js';

/**
 * reembed's optional peer dependencies, with the versions it is built against. A service that
 * only starts migrations and reads their state installs none of them; a worker, a writer or a
 * router that embeds with a local model or an OpenAI spec installs what that needs.
 */
const PEERS = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { peerDependencies: Record<string, string> }).peerDependencies;

/** The exact command that installs `packages` at the versions reembed expects. */
function installCommand(packages: readonly string[]): string {
  return `npm install ${packages.map((p) => `${p}@${PEERS[p]}`).join(' ')}`;
}

/**
 * Loads a module that needs optional `packages`; when one of them is not installed, fails
 * with what needs it and the exact `npm install` to run instead of a bare module-not-found.
 */
export async function loadOptional<T>(feature: string, packages: readonly string[], load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string };
    const missing = packages.filter((p) => code === 'ERR_MODULE_NOT_FOUND' && message?.includes(`'${p}'`));
    if (missing.length === 0) throw error;
    throw new MissingDependencyError(
      `${feature} needs ${packages.join(' and ')}, ${packages.length === 1 ? 'an optional dependency' : 'optional dependencies'} of reembed ` +
        `that ${missing.length === 1 ? `${missing[0]} is` : 'are'} not installed here. Run: ${installCommand(packages)}`,
      { cause: error },
    );
  }
}
