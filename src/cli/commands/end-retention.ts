import { operatorCommand } from '../operator-command.js';

const usage = `reembed end-retention <collection> [--by <name>] [--reason <text>]
  During RETENTION: ends the rollback window now; the old index stops being written and is
  deleted (the active index never is). (cleanup is another name for this command.)`;

export const command = operatorCommand(usage, 'endRetention', (client, collection, action) => client.endRetention(collection, action));
