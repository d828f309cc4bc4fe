import { ReembedUsageError } from '../../errors.js';
import { defineCommand } from '../command.js';
import { printJson } from '../print-json.js';
import { renderQuality } from '../render-quality.js';
import { renderAdapter } from '../render-adapter.js';

const usage = `reembed quality <collection> [--json]
  The quality gate's report of the collection's migration: nDCG@10, recall@10 and MRR@10 of the
  old and the new index on the golden queries, their overlap@10, the new index's ANN recall@10,
  the warm-up latencies, the verdict and the queries that lost most; then any adapter fitted between
  the two indexes with its held-out recall@10. --json prints status().quality (adapters: status --json).`;

export const command = defineCommand({
  usage,
  options: { json: { type: 'boolean' } },
  positionals: ['collection'],
  async run(ctx, { values, positionals }) {
    const collection = positionals[0]!;
    const status = await (await ctx.client()).status(collection);
    if (!status.quality && status.adapters.length === 0) {
      throw new ReembedUsageError(
        `${collection} has no quality report: it is measured in VERIFYING, once the new index is complete (phase now ${status.phase}). Import golden queries first: reembed golden import ${collection} --file <golden.jsonl>`,
      );
    }
    if (values.json) return printJson(status.quality);
    if (status.quality) {
      console.log(
        `Quality gate of ${collection} (${status.migration?.sourceSpecId ?? '?'} → ${status.migration?.targetSpecId ?? '?'}): ${renderQuality(status.quality, { losers: true }).join('\n')}`,
      );
    }
    for (const adapter of status.adapters) console.log(renderAdapter(adapter));
  },
});
