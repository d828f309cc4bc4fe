import { ReembedUsageError } from '../../errors.js';
import { defineCommand } from '../command.js';
import { printJson } from '../context.js';
import { renderQuality } from '../render-quality.js';

const usage = `reembed quality <collection> [--json]
  The quality gate's report of the collection's migration: nDCG@10, recall@10 and MRR@10 of the
  old and the new index on the golden queries, their overlap@10, the new index's ANN recall@10,
  the warm-up latencies, the verdict and the queries that lost most. --json prints status().quality.`;

export const command = defineCommand({
  usage,
  options: { json: { type: 'boolean' } },
  positionals: ['collection'],
  async run(ctx, { values, positionals }) {
    const collection = positionals[0]!;
    const status = await (await ctx.client()).status(collection);
    if (!status.quality) {
      throw new ReembedUsageError(
        `${collection} has no quality report: it is measured in VERIFYING, once the new index is complete (phase now ${status.phase}). Import golden queries first: reembed golden import ${collection} --file <golden.jsonl>`,
      );
    }
    if (values.json) return printJson(status.quality);
    console.log(
      `Quality gate of ${collection} (${status.migration?.sourceSpecId ?? '?'} → ${status.migration?.targetSpecId ?? '?'}): ${renderQuality(status.quality, { losers: true }).join('\n')}`,
    );
  },
});
