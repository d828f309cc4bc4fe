import { ACTION_ANSWER_USAGE } from '../command.js';
import { operatorCommand } from '../operator-command.js';

const usage = `reembed rollback <collection> --by <name> --reason <text> [--json]
  During RETENTION (after cutover): moves the read alias back to the old index, which kept
  receiving every write, and deletes the new one.
${ACTION_ANSWER_USAGE}`;

export const command = operatorCommand(usage, (client, collection, action) => client.rollback(collection, action), { reasonRequired: true });
