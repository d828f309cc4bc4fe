import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { z } from 'zod';
import { ReembedUsageError } from '../client/reembed-client';
import { ConfigError } from '../config/env';
import { ingestCommand } from './commands/ingest';
import { modelsCommand } from './commands/models';
import { renderEstimate } from './commands/estimate';
import { statusCommand } from './commands/status';
import { CliContext, printJson } from './context';
import { durationSchema, formatDuration } from './duration';

const USAGE = `reembed — zero-downtime embedding-model migrations

  reembed init                                  register reembed's search attributes in the Temporal namespace
  reembed models [--json]                       list model specs and their fingerprints
  reembed ingest <collection> --model <spec> --file <docs.jsonl> [--no-content] [--batch 64]
  reembed migrate <collection> --to <spec> [--grace 1h] [--retention 7d] [--approval-timeout <d>] [--batch-size 64]
                  [--budget <dollars>] [--force] [--dry-run [--json]]   dry run: tokens, cost, duration, disk; starts nothing
  reembed status <collection> [--json] [--no-watch]
  reembed approve <collection> --by <name> [--note <text>]
  reembed reject <collection> --by <name> --reason <text>
  reembed pause|resume <collection> [--by <name>] [--reason <text>]   resume [--budget <more dollars>]
  reembed rollback <collection> --by <name> --reason <text>
  reembed cleanup <collection> --by <name>      end retention now and delete the old index
  reembed list [--json]                         collections and their migrations
  reembed search <collection> <query> [--k 5] [--json]

Environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, ES_URL, ... (see README, Configuration).`;

const name = z.string().trim().min(1);
const dollars = z.coerce.number({ error: 'expected an amount in US dollars, e.g. 25 or 2.50' }).positive('must be more than 0 dollars');

function args<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T, positionals: number) {
  const parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  if (parsed.positionals.length !== positionals) {
    throw new ReembedUsageError(`expected ${positionals} argument(s), got ${parsed.positionals.length}: ${parsed.positionals.join(' ') || '(none)'}\n\n${USAGE}`);
  }
  return parsed;
}

function validate<T extends z.ZodType>(schema: T, value: unknown, command: string): z.output<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ReembedUsageError(`reembed ${command}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

async function run(ctx: CliContext, command: string | undefined, argv: string[]): Promise<void> {
  switch (command) {
    case 'init': {
      const added = await (await ctx.client()).init();
      console.log(added.length ? `Registered search attributes: ${added.join(', ')}` : 'All search attributes are registered.');
      return;
    }
    case 'models':
      return modelsCommand(ctx, Boolean(args(argv, { json: { type: 'boolean' } }, 0).values.json));
    case 'ingest': {
      const { values, positionals } = args(argv, { model: { type: 'string' }, file: { type: 'string' }, 'no-content': { type: 'boolean' }, batch: { type: 'string', default: '64' } }, 1);
      const o = validate(z.object({ model: name, file: name, batch: z.coerce.number().int().min(1).max(1024) }), values, 'ingest');
      const report = await ingestCommand(ctx, { collection: positionals[0]!, specId: o.model, file: o.file, storeContent: !values['no-content'], batchSize: o.batch });
      console.log(`Ingested ${report.written} document(s) into ${positionals[0]}.`);
      for (const b of report.badLines) console.error(`  line ${b.line}: skipped: ${b.error}`);
      for (const f of report.failed) console.error(`  document ${f.id}: not written: ${f.reason}`);
      if (report.badLines.length + report.failed.length > 0) process.exitCode = 2;
      return;
    }
    case 'migrate': {
      const { values, positionals } = args(
        argv,
        {
          to: { type: 'string' },
          grace: { type: 'string', default: '1h' },
          retention: { type: 'string', default: '7d' },
          'approval-timeout': { type: 'string' },
          'batch-size': { type: 'string', default: '64' },
          by: { type: 'string' },
          budget: { type: 'string' },
          force: { type: 'boolean' },
          'dry-run': { type: 'boolean' },
          json: { type: 'boolean' },
        },
        1,
      );
      const o = validate(
        z.object({
          to: name,
          grace: durationSchema,
          retention: durationSchema,
          'approval-timeout': durationSchema.optional(),
          'batch-size': z.coerce.number().int().min(1).max(1024),
          by: z.string().optional(),
          budget: dollars.optional(),
        }),
        values,
        'migrate',
      );
      const collection = positionals[0]!;
      if (values['dry-run']) {
        const estimate = await (await ctx.client()).estimate(collection, o.to);
        if (values.json) return printJson(estimate);
        console.log(`Dry run: migrating ${collection} to ${o.to} would take
${renderEstimate(estimate)}`);
        if (o.budget !== undefined && o.budget < estimate.costUsd) console.log(`  budget:       $${o.budget} is below the estimate; the migration would pause when it is spent`);
        return;
      }
      const started = await (await ctx.client()).startMigration({
        collection,
        targetSpecId: o.to,
        graceMs: o.grace,
        retentionMs: o.retention,
        approvalTimeoutMs: o['approval-timeout'] ?? null,
        batchSize: o['batch-size'],
        requestedBy: o.by ?? process.env.USER ?? 'unknown',
        budgetUsd: o.budget ?? null,
        force: Boolean(values.force),
      });
      console.log(`Migration of ${collection} to ${o.to} started: workflow ${started.workflowId} (grace ${formatDuration(o.grace)}, retention ${formatDuration(o.retention)}${o.budget ? `, budget $${o.budget}` : ''}).`);
      console.log(`  Web UI: ${started.webUiUrl}`);
      console.log(`  watch:  reembed status ${collection}`);
      return;
    }
    case 'status': {
      const { values, positionals } = args(argv, { json: { type: 'boolean' }, 'no-watch': { type: 'boolean' } }, 1);
      return statusCommand(ctx, positionals[0]!, Boolean(values.json), !values['no-watch']);
    }
    case 'approve': {
      const { values, positionals } = args(argv, { by: { type: 'string' }, note: { type: 'string' } }, 1);
      await (await ctx.client()).approve(positionals[0]!, { approver: values.by ?? '', ...(values.note ? { note: values.note } : {}) });
      console.log(`Sent approveCutover to ${positionals[0]}; check it took effect with \`reembed status ${positionals[0]}\`.`);
      return;
    }
    case 'reject': {
      const { values, positionals } = args(argv, { by: { type: 'string' }, reason: { type: 'string' } }, 1);
      await (await ctx.client()).reject(positionals[0]!, { by: values.by ?? '', reason: values.reason ?? '' });
      console.log(`Sent rejectCutover to ${positionals[0]}.`);
      return;
    }
    case 'pause':
    case 'resume':
    case 'rollback':
    case 'cleanup': {
      const { values, positionals } = args(argv, { by: { type: 'string' }, reason: { type: 'string' }, ...(command === 'resume' ? { budget: { type: 'string' } } : {}) }, 1);
      const client = await ctx.client();
      const action = { by: values.by ?? process.env.USER ?? 'unknown', reason: values.reason ?? '' };
      if (command === 'rollback' && !values.reason) throw new ReembedUsageError('reembed rollback: --reason is required (it is recorded in the registry history)');
      if (command === 'resume') {
        const more = values.budget === undefined ? undefined : validate(dollars, values.budget, 'resume --budget');
        await client.resume(positionals[0]!, { ...action, ...(more ? { addBudgetUsd: more } : {}) });
      } else {
        await { pause: client.pause, rollback: client.rollback, cleanup: client.endRetention }[command].call(client, positionals[0]!, action);
      }
      console.log(`Sent ${command === 'cleanup' ? 'endRetention' : command} to ${positionals[0]}; check it took effect with \`reembed status ${positionals[0]}\`.`);
      return;
    }
    case 'list': {
      const json = Boolean(args(argv, { json: { type: 'boolean' } }, 0).values.json);
      const client = await ctx.client();
      const [collections, migrations] = await Promise.all([client.collections(), client.list()]);
      if (json) return printJson({ collections, migrations });
      for (const c of collections) {
        const latest = migrations.find((m) => m.collection === c.collection);
        console.log(`${c.collection.padEnd(24)} ${c.activeSpecId.padEnd(20)} ${c.activeIndex}${latest ? `  last migration: ${latest.targetSpecId} ${latest.phase} (${latest.status})` : ''}`);
      }
      if (collections.length === 0) console.log('No collections yet. Create one with `reembed ingest <collection> --model <spec> --file <docs.jsonl>`.');
      return;
    }
    case 'search': {
      const { values, positionals } = args(argv, { k: { type: 'string', default: '5' }, json: { type: 'boolean' } }, 2);
      const k = validate(z.coerce.number().int().min(1).max(100), values.k, 'search');
      const { hits, route, coverage } = await (await ctx.router()).search(positionals[0]!, positionals[1]!, { k });
      if (values.json) return printJson(hits);
      console.log(`route ${route}${route === 'active' ? '' : ` (coverage ${(coverage * 100).toFixed(0)}%)`}`);
      for (const h of hits) console.log(`${h.score.toFixed(3)}  ${h.id}  [${h.specId}]  ${(h.content ?? '').slice(0, 100)}`);
      return;
    }
    case undefined:
    case 'help':
    case '--help':
      console.log(USAGE);
      return;
    default:
      throw new ReembedUsageError(`unknown command "${command}"\n\n${USAGE}`);
  }
}

Runtime.install({ logger: new DefaultLogger('WARN') });
const [command, ...rest] = process.argv.slice(2);
const ctx = new CliContext();
run(ctx, command, rest)
  .catch((error: Error) => {
    const known = error instanceof ReembedUsageError || error instanceof ConfigError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    console.error(known ? error.message : `reembed ${command}: ${error.message}`);
    process.exitCode = 1;
  })
  .finally(() => ctx.close());
