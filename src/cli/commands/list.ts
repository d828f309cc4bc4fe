import { defineCommand } from '../command.js';
import { printJson } from '../print-json.js';

const usage = `reembed list [--json]
  Every collection with its active spec and index, and its latest migration (from Temporal's visibility).`;

export const command = defineCommand({
  usage,
  options: { json: { type: 'boolean' } },
  positionals: [],
  async run(ctx, { values }) {
    const client = await ctx.client();
    const [collections, migrations] = await Promise.all([client.collections(), client.list()]);
    if (values.json) return printJson({ collections, migrations });
    for (const c of collections) {
      const latest = migrations.find((m) => m.collection === c.collection);
      console.log(
        `${c.collection.padEnd(24)} ${c.activeSpecId.padEnd(20)} ${c.activeIndex}${latest ? `  last migration: ${latest.targetSpecId} ${latest.phase} (${latest.status})` : ''}`,
      );
    }
    if (collections.length === 0) console.log('No collections yet. Create one with `reembed ingest <collection> --spec <specId> --file <docs.jsonl>`.');
  },
});
