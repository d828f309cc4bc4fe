import { defineCommand } from '../command.js';

const usage = `reembed init
  Registers the search attributes reembed's workflows set (ReembedCollection, MigrationPhase, ...)
  in the Temporal namespace. The local dev server started by npm run services:up has them already.`;

export const command = defineCommand({
  usage,
  options: {},
  positionals: [],
  async run(ctx, _args) {
    const added = await (await ctx.client()).init();
    console.log(added.length ? `Registered search attributes: ${added.join(', ')}` : 'All search attributes are registered.');
  },
});
