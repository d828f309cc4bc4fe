import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** The packages a node_modules folder holds at its top level, scoped ones as `@scope/name`. */
export function installedPackages(modules: string): string[] {
  return readdirSync(modules).flatMap((name) =>
    name.startsWith('.') ? [] : name.startsWith('@') ? readdirSync(join(modules, name)).map((scoped) => `${name}/${scoped}`) : [name],
  );
}
