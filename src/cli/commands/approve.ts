import { defineCommand, printSent } from '../command.js';

const usage = `reembed approve <collection> --approver <name> [--note <text>]
  Sends approveCutover: after the grace period the read alias moves to the new index.
  Only a migration in AWAITING_APPROVAL accepts it. (--by is another name for --approver.)`;

export const command = defineCommand({
  usage,
  options: { approver: { type: 'string' }, note: { type: 'string' } },
  positionals: ['collection'],
  renamed: {
    '--by': '--approver',
  },
  async run(ctx, { values, positionals }) {
    const collection = positionals[0]!;
    await (await ctx.client()).approve(collection, { approver: values.approver ?? '', ...(values.note ? { note: values.note } : {}) });
    printSent('approveCutover', collection);
  },
});
