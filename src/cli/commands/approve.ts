import { defineCommand, printSent } from '../command.js';

const usage = `reembed approve <collection> --approver <name> [--note <text>] [--acknowledge-regression]
  Sends approveCutover: after the grace period the read alias moves to the new index.
  Only a migration in AWAITING_APPROVAL accepts it; after a quality REGRESSION only with
  --acknowledge-regression. (--by is another name for --approver.)`;

export const command = defineCommand({
  usage,
  options: { approver: { type: 'string' }, note: { type: 'string' }, 'acknowledge-regression': { type: 'boolean' } },
  positionals: ['collection'],
  renamed: {
    '--by': '--approver',
  },
  async run(ctx, { values, positionals }) {
    const collection = positionals[0]!;
    await (
      await ctx.client()
    ).approve(collection, {
      approver: values.approver ?? '',
      ...(values.note ? { note: values.note } : {}),
      ...(values['acknowledge-regression'] ? { acknowledgeRegression: true } : {}),
    });
    printSent('approveCutover', collection);
  },
});
