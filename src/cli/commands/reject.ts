import { defineCommand, printSent } from '../command.js';

const usage = `reembed reject <collection> --by <name> --reason <text>
  Sends rejectCutover: before cutover (up to the end of the grace period) the migration is
  abandoned, the alias stays where it is and the new index is deleted.`;

export const command = defineCommand({
  usage,
  options: { by: { type: 'string' }, reason: { type: 'string' } },
  positionals: ['collection'],
  async run(ctx, { values, positionals }) {
    const collection = positionals[0]!;
    await (await ctx.client()).reject(collection, { by: values.by ?? '', reason: values.reason ?? '' });
    printSent('rejectCutover', collection);
  },
});
