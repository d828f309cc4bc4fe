import { operatorCommand } from '../operator-command.js';

const usage = `reembed pause <collection> [--by <name>] [--reason <text>]
  Pauses the backfill or catch-up after the current batch; reembed resume goes on from there.`;

export const command = operatorCommand(usage, 'pause', (client, collection, action) => client.pause(collection, action));
