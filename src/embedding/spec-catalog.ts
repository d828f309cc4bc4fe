import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { UnknownSpecError } from '../errors.js';
import { modelSpecSchema, type ModelSpec } from './model-spec.js';

export const DEFAULT_SPECS_FILE = fileURLToPath(new URL('../../models/specs.json', import.meta.url));

const catalogSchema = z.object({ specs: z.array(modelSpecSchema).min(1) }).superRefine((c, ctx) => {
  const seen = new Set<string>();
  c.specs.forEach((s, i) => {
    if (seen.has(s.id)) ctx.addIssue({ code: 'custom', path: ['specs', i, 'id'], message: `duplicate spec id "${s.id}"` });
    seen.add(s.id);
  });
});

/** The versioned list of model specs reembed can embed with. */
export class SpecCatalog {
  private constructor(
    private readonly byId: ReadonlyMap<string, ModelSpec>,
    readonly source: string,
  ) {}

  static load(file = DEFAULT_SPECS_FILE): SpecCatalog {
    const parsed = catalogSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) throw new Error(`Invalid model spec file ${file}:\n${z.prettifyError(parsed.error)}`);
    return new SpecCatalog(new Map(parsed.data.specs.map((s) => [s.id, s])), file);
  }

  get(id: string): ModelSpec {
    const spec = this.byId.get(id);
    if (!spec) throw new UnknownSpecError(id, [...this.byId.keys()], this.source);
    return spec;
  }

  /** This catalog with one spec replaced by another of the same id (a variant measured side by side). */
  withSpec(spec: ModelSpec): SpecCatalog {
    this.get(spec.id);
    return new SpecCatalog(new Map([...this.byId, [spec.id, spec]]), `${this.source} (${spec.id} varied)`);
  }

  all(): ModelSpec[] {
    return [...this.byId.values()];
  }
}
