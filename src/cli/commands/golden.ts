import { z } from 'zod';
import { ReembedUsageError } from '../../errors.js';
import { readGoldenFile } from '../../quality/golden-file.js';
import { QuerySample } from '../../search/query-sample.js';
import { defineCommand, nameSchema, validate } from '../command.js';
import { printJson } from '../print-json.js';

const usage = `reembed golden import <collection> --file <golden.jsonl>
reembed golden list <collection> [--json]
reembed golden sample <collection> --from-traffic <n>
reembed golden clear <collection>
  A collection's golden queries, against which a migration's search quality is measured.
  One JSON object per line: {"query": "...", "relevant": {"<docId>": <grade>, ...}} (grades ≥ 1,
  higher is more relevant; a list of ids means grade 1 each), or {"query": "..."} (unlabelled).
  A file with any bad line is refused whole, every bad line named; nothing is half-imported.
  Importing a query again replaces its labels.
  sample adds the n most frequent query texts the search router recorded (an opt-in sample:
  createSearchRouter(config, { sampleQueries: { rate: 0.05 } })) as unlabelled golden queries;
  queries already in the set keep their labels.`;

export const command = defineCommand({
  usage,
  options: { file: { type: 'string' }, json: { type: 'boolean' }, 'from-traffic': { type: 'string' } },
  positionals: ['import|list|sample|clear', 'collection'],
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
      case 'sample': {
        const n = validate(z.object({ 'from-traffic': z.coerce.number().int().positive() }), values, 'golden sample')['from-traffic'];
        const known = new Set((await services.golden.list(collection)).map((q) => q.query));
        const frequent = await QuerySample.mostFrequent(services.es, collection, n);
        if (frequent.length === 0) {
          throw new ReembedUsageError(
            `no query of ${collection} was sampled: the search router records queries only when asked to (createSearchRouter(config, { sampleQueries: { rate: 0.05 } })).`,
          );
        }
        const fresh = frequent.filter((f) => !known.has(f.query));
        await services.golden.add(
          collection,
          fresh.map((f) => ({ query: f.query })),
          'traffic',
        );
        console.log(
          `Added ${fresh.length} unlabelled golden quer${fresh.length === 1 ? 'y' : 'ies'} to ${collection} from its ${frequent.length} most frequent sampled queries (${frequent.length - fresh.length} already in the set).`,
        );
        return;
      }
      case 'clear': {
        const removed = await services.golden.clear(collection);
        console.log(`Removed ${removed} golden quer${removed === 1 ? 'y' : 'ies'} of ${collection}.`);
        return;
      }
      default:
        throw new ReembedUsageError(`unknown action "${action}": import, list, sample or clear\n\n${usage}`);
    }
  },
});
