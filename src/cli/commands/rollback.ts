import { operatorCommand } from '../operator-command.js';

const usage = `reembed rollback <collection> --by <name> --reason <text>
  During RETENTION (after cutover): moves the read alias back to the old index, which kept
  receiving every write, and deletes the new one.`;

export const command = operatorCommand(usage, 'rollback', (client, collection, action) => client.rollback(collection, action), { reasonRequired: true });
