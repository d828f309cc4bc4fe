import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Bytes the local model's files take in the models folder; null when it is not installed. */
export function localModelBytes(modelsDir: string, model: string): number | null {
  const folder = join(modelsDir, model);
  try {
    return readdirSync(folder, { recursive: true })
      .map((entry) => statSync(join(folder, String(entry))))
      .filter((stat) => stat.isFile())
      .reduce((sum, stat) => sum + stat.size, 0);
  } catch {
    return null;
  }
}
