import { ACTION_ANSWER_USAGE } from '../command.js';
import { operatorCommand } from '../operator-command.js';

const usage = `reembed pause <collection> [--by <name>] [--reason <text>] [--json]
  Pauses the backfill or catch-up after the current batch; reembed resume goes on from there.
${ACTION_ANSWER_USAGE}`;

export const command = operatorCommand(usage, (client, collection, action) => client.pause(collection, action));
