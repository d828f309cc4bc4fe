import { ACTION_ANSWER_USAGE, defineCommand, printOutcome } from '../command.js';

const usage = `reembed reject <collection> --by <name> --reason <text> [--json]
  Rejects the migration: before cutover (up to the end of the grace period) it is abandoned,
  the alias stays where it is and the new index is deleted.
${ACTION_ANSWER_USAGE}`;

export const command = defineCommand({
  usage,
  options: { by: { type: 'string' }, reason: { type: 'string' }, json: { type: 'boolean' } },
  positionals: ['collection'],
  async run(ctx, { values, positionals }) {
    const collection = positionals[0]!;
    printOutcome(await (await ctx.client()).reject(collection, { by: values.by ?? '', reason: values.reason ?? '' }), collection, values.json);
  },
});
