import { ACTION_ANSWER_USAGE, defineCommand, dollarsSchema, operator, printOutcome, validate } from '../command.js';

const usage = `reembed resume <collection> [--by <name>] [--reason <text>] [--budget <more dollars>] [--json]
  Resumes a paused migration: paused by an operator, at its budget (add to it with --budget),
  or for a provider misconfiguration (fix the worker's configuration and restart it first).
${ACTION_ANSWER_USAGE}`;

export const command = defineCommand({
  usage,
  options: { by: { type: 'string' }, reason: { type: 'string' }, budget: { type: 'string' }, json: { type: 'boolean' } },
  positionals: ['collection'],
  async run(ctx, { values, positionals }) {
    const collection = positionals[0]!;
    const more = values.budget === undefined ? undefined : validate(dollarsSchema, values.budget, 'resume --budget');
    const outcome = await (
      await ctx.client()
    ).resume(collection, { by: operator(values.by), reason: values.reason ?? '', ...(more ? { addBudgetUsd: more } : {}) });
    printOutcome(outcome, collection, values.json);
  },
});
