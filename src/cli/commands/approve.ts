import { parseCommandArgs, printSent, type Command } from '../command.js';

const usage = `reembed approve <collection> --approver <name> [--note <text>]
  Sends approveCutover: after the grace period the read alias moves to the new index.
  Only a migration in AWAITING_APPROVAL accepts it. (--by is another name for --approver.)`;

export const command: Command = {
  usage,
  async run(ctx, argv) {
    const { values, positionals } = parseCommandArgs(usage, argv, { approver: { type: 'string' }, note: { type: 'string' } }, ['collection'], {
      '--by': '--approver',
    });
    const collection = positionals[0]!;
    await (await ctx.client()).approve(collection, { approver: values.approver ?? '', ...(values.note ? { note: values.note } : {}) });
    printSent('approveCutover', collection);
  },
};
