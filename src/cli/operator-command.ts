import type { ReembedClient } from '../client/reembed-client.js';
import type { ActionOutcome, OperatorAction } from '../migration/messages.js';
import { ReembedUsageError } from '../errors.js';
import { defineCommand, operator, printOutcome, type Command } from './command.js';

/**
 * A command that sends an operator's action ({by, reason}) to a collection's migration and
 * waits for its answer: pause, rollback, end-retention. `reasonRequired` when the reason goes
 * into the registry history.
 */
export function operatorCommand(
  usage: string,
  send: (client: ReembedClient, collection: string, action: OperatorAction) => Promise<ActionOutcome>,
  options: { reasonRequired?: boolean } = {},
): Command {
  return defineCommand({
    usage,
    options: { by: { type: 'string' }, reason: { type: 'string' }, json: { type: 'boolean' } },
    positionals: ['collection'],
    async run(ctx, { values, positionals }) {
      const collection = positionals[0]!;
      if (options.reasonRequired && !values.reason) throw new ReembedUsageError(`--reason is required (it is recorded in the registry history)\n\n${usage}`);
      printOutcome(await send(await ctx.client(), collection, { by: operator(values.by), reason: values.reason ?? '' }), collection, values.json);
    },
  });
}
