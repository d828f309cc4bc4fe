import { ACTION_ANSWER_USAGE, defineCommand, printOutcome } from '../command.js';

const usage = `reembed approve <collection> --approver <name> [--note <text>] [--acknowledge-regression] [--acknowledge-missing] [--json]
  Approves the cutover: after the grace period the read alias moves to the new index.
  Only a migration in AWAITING_APPROVAL accepts it; after a quality REGRESSION or an
  INCONCLUSIVE verdict only with --acknowledge-regression; when the new index lacks source
  documents (quarantined, not adapted: no search finds them after the cutover) only with
  --acknowledge-missing. (--by is another name for --approver.)
${ACTION_ANSWER_USAGE}`;

export const command = defineCommand({
  usage,
  options: {
    approver: { type: 'string' },
    note: { type: 'string' },
    'acknowledge-regression': { type: 'boolean' },
    'acknowledge-missing': { type: 'boolean' },
    json: { type: 'boolean' },
  },
  positionals: ['collection'],
  renamed: {
    '--by': '--approver',
  },
  async run(ctx, { values, positionals }) {
    const collection = positionals[0]!;
    const outcome = await (
      await ctx.client()
    ).approve(collection, {
      approver: values.approver ?? '',
      ...(values.note ? { note: values.note } : {}),
      ...(values['acknowledge-regression'] ? { acknowledgeRegression: true } : {}),
      ...(values['acknowledge-missing'] ? { acknowledgeMissing: true } : {}),
    });
    printOutcome(outcome, collection, values.json);
  },
});
