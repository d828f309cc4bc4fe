import { z } from 'zod';
import { ReembedUsageError } from '../../errors.js';
import { defineCommand, operator, validate } from '../command.js';
import { printJson } from '../print-json.js';
import { renderAdapter } from '../render-adapter.js';

const usage = `reembed spec retire <spec> [--min-adapter-recall 0.9] [--by <name>] [--json]
reembed spec restore <spec>
reembed spec list [--json]
  retire marks a spec whose model can no longer embed (the provider retired it): searches and
  live writes never embed with it again. For each running migration from it, an adapter (a
  linear map between the two specs' spaces, fitted from documents both indexes already hold)
  is fitted and measured on held-out documents; searches map the new spec's query vector into
  the old space through it, and live writes give the old index mapped vectors — if its
  recall@10 against the full re-embedded search reaches --min-adapter-recall. Otherwise only
  the new index is searched and written until the cutover. Retiring again refits with the
  documents copied since. restore takes the spec off the list.`;

export const command = defineCommand({
  usage,
  options: { 'min-adapter-recall': { type: 'string' }, by: { type: 'string' }, json: { type: 'boolean' } },
  positionals: ['retire|restore|list', '[spec]'],
  async run(ctx, { values, positionals }) {
    const [action, specId] = positionals as [string, string | undefined];
    if (action !== 'list' && !specId) throw new ReembedUsageError(`reembed spec ${action} needs a spec id\n\n${usage}`);
    const client = await ctx.client();
    switch (action) {
      case 'retire': {
        const { 'min-adapter-recall': minAdapterRecall } = validate(
          z.object({ 'min-adapter-recall': z.coerce.number().min(0).max(1).optional() }),
          values,
          'spec retire',
        );
        const report = await client.retireSpec(specId!, { by: operator(values.by), ...(minAdapterRecall !== undefined ? { minAdapterRecall } : {}) });
        if (values.json) return printJson(report);
        console.log(`Retired ${specId} (by ${report.by}): no search or write embeds with it from now on.`);
        if (report.migrations.length === 0) console.log('No running migration reads from it.');
        if (report.stranded.length > 0) {
          console.error(
            `Warning: ${report.stranded.join(', ')} still search${report.stranded.length === 1 ? 'es' : ''} with ${specId} and no migration moves ${report.stranded.length === 1 ? 'it' : 'them'} away; ` +
              'their queries cannot be embedded once the model is gone. Migrate them: reembed migrate <collection> --to <spec>.',
          );
        }
        for (const m of report.migrations)
          console.log(`  ${m.collection}: ${m.adapter ? renderAdapter(m.adapter) : `no adapter — ${m.error}; only the new index is searched`}`);
        return;
      }
      case 'restore': {
        const restored = await client.restoreSpec(specId!);
        console.log(restored ? `${specId} is no longer retired.` : `${specId} was not retired.`);
        return;
      }
      case 'list': {
        const retired = await client.retiredSpecs();
        if (values.json) return printJson(retired);
        for (const r of retired) console.log(`${r.specId.padEnd(24)} retired ${r.retiredAt} by ${r.by}`);
        if (retired.length === 0) console.log('No retired specs.');
        return;
      }
      default:
        throw new ReembedUsageError(`unknown action "${action}": retire, restore or list\n\n${usage}`);
    }
  },
});
