import { z } from 'zod';
import { ReembedUsageError } from '../../errors.js';
import { readGoldenFile } from '../../quality/golden-file.js';
import { defineCommand, nameSchema, validate } from '../command.js';
import { printJson } from '../context.js';

const usage = `reembed golden import <collection> --file <golden.jsonl>
reembed golden list <collection> [--json]
reembed golden clear <collection>
  A collection's golden queries, against which a migration's search quality is measured.
  One JSON object per line: {"query": "...", "relevant": {"<docId>": <grade>, ...}} (grades ≥ 1,
  higher is more relevant; a list of ids means grade 1 each), or {"query": "..."} (unlabelled).
  A file with any bad line is refused whole, every bad line named; nothing is half-imported.
  Importing a query again replaces its labels.`;

export const command = defineCommand({
  usage,
  options: { file: { type: 'string' }, json: { type: 'boolean' } },
  positionals: ['import|list|clear', 'collection'],
  async run(ctx, { values, positionals }) {
    const [action, collection] = positionals as [string, string];
    const services = await ctx.connected();
    await services.registry.get(collection);
    switch (action) {
      case 'import': {
        const file = validate(z.object({ file: nameSchema }), values, 'golden import').file;
        const { queries, badLines } = await readGoldenFile(file);
        if (badLines.length > 0) {
          throw new ReembedUsageError(
            `${file}: ${badLines.length} bad line(s); nothing was imported:\n${badLines.map((b) => `  line ${b.line}: ${b.error}`).join('\n')}`,
          );
        }
        if (queries.length === 0) throw new ReembedUsageError(`${file} holds no golden query; nothing was imported.`);
        await services.golden.add(collection, queries, 'file');
        const labelled = queries.filter((q) => q.relevant).length;
        console.log(
          `Imported ${queries.length} golden quer${queries.length === 1 ? 'y' : 'ies'} for ${collection} (${labelled} labelled, ${queries.length - labelled} unlabelled).`,
        );
        return;
      }
      case 'list': {
        const stored = await services.golden.list(collection);
        if (values.json) return printJson(stored);
        for (const q of stored) console.log(`${q.relevant ? `${Object.keys(q.relevant).length} judged` : 'unlabelled'}`.padEnd(12) + ` ${q.query}`);
        console.log(`${stored.length} golden quer${stored.length === 1 ? 'y' : 'ies'} for ${collection}.`);
        return;
      }
      case 'clear': {
        const removed = await services.golden.clear(collection);
        console.log(`Removed ${removed} golden quer${removed === 1 ? 'y' : 'ies'} of ${collection}.`);
        return;
      }
      default:
        throw new ReembedUsageError(`unknown action "${action}": import, list or clear\n\n${usage}`);
    }
  },
});
