import { z } from 'zod';
import { defineCommand, validate } from '../command.js';
import { printJson } from '../print-json.js';

const usage = `reembed search <collection> <query> [--k 5] [--json]
  Searches as the search router does: the active index, or during a migration old and new by coverage.`;

export const command = defineCommand({
  usage,
  options: { k: { type: 'string', default: '5' }, json: { type: 'boolean' } },
  positionals: ['collection', 'query'],
  async run(ctx, { values, positionals }) {
    const k = validate(z.coerce.number().int().min(1).max(100), values.k, 'search --k');
    const { hits, route, coverage } = await (await ctx.connected()).router().search(positionals[0]!, positionals[1]!, { k });
    if (values.json) return printJson(hits);
    console.log(`route ${route}${route === 'active' ? '' : ` (coverage ${(coverage * 100).toFixed(0)}%)`}`);
    for (const h of hits) console.log(`${h.score.toFixed(3)}  ${h.id}  [${h.specId}${h.adapted ? ', adapted' : ''}]  ${(h.content ?? '').slice(0, 100)}`);
  },
});
