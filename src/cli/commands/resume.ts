import { defineCommand, dollarsSchema, operator, printSent, validate } from '../command.js';

const usage = `reembed resume <collection> [--by <name>] [--reason <text>] [--budget <more dollars>]
  Resumes a paused migration: paused by an operator, at its budget (add to it with --budget),
  or for a provider misconfiguration (fix the worker's configuration and restart it first).`;

export const command = defineCommand({
  usage,
  options: { by: { type: 'string' }, reason: { type: 'string' }, budget: { type: 'string' } },
  positionals: ['collection'],
  async run(ctx, { values, positionals }) {
    const collection = positionals[0]!;
    const more = values.budget === undefined ? undefined : validate(dollarsSchema, values.budget, 'resume --budget');
    await (await ctx.client()).resume(collection, { by: operator(values.by), reason: values.reason ?? '', ...(more ? { addBudgetUsd: more } : {}) });
    printSent('resume', collection);
  },
});
