import { parseCommandArgs, type Command } from '../command.js';

const usage = `reembed init
  Registers the search attributes reembed's workflows set (ReembedCollection, MigrationPhase, ...)
  in the Temporal namespace. The local dev server started by npm run services:up has them already.`;

export const command: Command = {
  usage,
  async run(ctx, argv) {
    parseCommandArgs(usage, argv, {}, []);
    const added = await (await ctx.client()).init();
    console.log(added.length ? `Registered search attributes: ${added.join(', ')}` : 'All search attributes are registered.');
  },
};
