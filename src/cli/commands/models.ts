import { fingerprint } from '../../embedding/model-spec.js';
import { defineCommand } from '../command.js';
import { printJson } from '../context.js';

const usage = `reembed models [--json]
  Lists the model specs in models/specs.json with their fingerprints. Loads no model.`;

export const command = defineCommand({
  usage,
  options: { json: { type: 'boolean' } },
  positionals: [],
  async run(ctx, { values }) {
    const { catalog } = ctx.services;
    const specs = catalog.all().map((s) => ({ ...s, fingerprint: fingerprint(s) }));
    if (values.json) return printJson(specs);
    console.log(`Model specs in ${catalog.source}:`);
    for (const s of specs) {
      console.log(`  ${s.id.padEnd(20)} ${s.fingerprint}  ${s.provider}/${s.model} ${s.dimensions}-d ${s.pooling} ${s.similarity} ${s.indexOptions.type}`);
      if (s.description) console.log(`  ${''.padEnd(20)} ${s.description}`);
    }
  },
});
