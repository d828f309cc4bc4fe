import { ACTION_ANSWER_USAGE } from '../command.js';
import { operatorCommand } from '../operator-command.js';

const usage = `reembed end-retention <collection> [--by <name>] [--reason <text>] [--json]
  During RETENTION: ends the rollback window now; the old index stops being written and is
  deleted (the active index never is). (cleanup is another name for this command.)
${ACTION_ANSWER_USAGE}`;

export const command = operatorCommand(usage, (client, collection, action) => client.endRetention(collection, action));
