import { ActionRefusedError, ReembedUsageError } from '../errors.js';
import { failureKind } from '../migration/failures.js';
import type { Command } from './command.js';

/**
 * Every command, its one-line summary and its module. Modules load only when their command
 * runs, so `reembed models` never loads the Temporal client and no command loads a model
 * it does not embed with.
 */
const COMMANDS: Record<string, { readonly summary: string; readonly load: () => Promise<{ command: Command }> }> = {
  init: { summary: "register reembed's search attributes in the Temporal namespace", load: () => import('./commands/init.js') },
  models: { summary: 'list model specs and their fingerprints', load: () => import('./commands/models.js') },
  ingest: { summary: 'create a collection on first use and upsert a JSONL file of documents', load: () => import('./commands/ingest.js') },
  migrate: { summary: 'start a migration to another model spec (--dry-run: estimate only)', load: () => import('./commands/migrate.js') },
  status: { summary: "a collection's phase, progress, spend and the next step", load: () => import('./commands/status.js') },
  approve: { summary: 'approve the cutover of a migration awaiting approval', load: () => import('./commands/approve.js') },
  reject: { summary: 'abandon a migration before its cutover', load: () => import('./commands/reject.js') },
  pause: { summary: 'pause the backfill or catch-up', load: () => import('./commands/pause.js') },
  resume: { summary: 'resume a paused migration (--budget adds to its budget)', load: () => import('./commands/resume.js') },
  rollback: { summary: 'during retention: move the alias back to the old index', load: () => import('./commands/rollback.js') },
  'end-retention': { summary: 'during retention: finish now and delete the old index', load: () => import('./commands/end-retention.js') },
  list: { summary: 'collections and their latest migrations', load: () => import('./commands/list.js') },
  search: { summary: 'search a collection as the search router does', load: () => import('./commands/search.js') },
  golden: { summary: "import, list, sample (from traffic) or clear a collection's golden queries", load: () => import('./commands/golden.js') },
  spec: { summary: 'retire a spec whose model is gone (adapters bridge running migrations), restore, list', load: () => import('./commands/spec.js') },
  canary: { summary: 'drift canaries: schedule, run now (exit code per status), status, unschedule', load: () => import('./commands/canary.js') },
  quality: { summary: "the quality gate's report: nDCG/recall/MRR old vs new, overlap, ANN recall, warm-up", load: () => import('./commands/quality.js') },
};

/** Older command names that keep working. */
const RENAMED: Record<string, string> = { cleanup: 'end-retention' };

const HELP = `reembed — zero-downtime embedding-model migrations

${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(14)} ${c.summary}`)
  .join('\n')}

reembed <command> --help shows a command's options.
Environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, ES_URL, ... (see docs/configuration.md).`;

async function main(argv: string[]): Promise<number> {
  const [given, ...rest] = argv;
  if (given === undefined || given === 'help' || given === '--help' || given === '-h') {
    console.log(HELP);
    return 0;
  }
  const entry = COMMANDS[RENAMED[given] ?? given];
  if (!entry) throw new ReembedUsageError(`unknown command "${given}"\n\n${HELP}`);
  const { command } = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.usage);
    return 0;
  }
  // Loaded only now: the Elasticsearch client alone takes a third of a second to load, which help never needs.
  const { CliContext } = await import('./context.js');
  const ctx = new CliContext();
  try {
    await command.run(ctx, rest);
  } finally {
    await ctx.close();
  }
  return Number(process.exitCode ?? 0);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: Error) => {
    // The failure catalog decides the exit code: 2 the request cannot work as asked, 3 the migration refused it.
    const exitCode = failureKind(error.name)?.exitCode ?? 1;
    if (error instanceof ActionRefusedError) console.error(`refused: ${error.reason}`);
    else console.error(exitCode === 2 ? error.message : `reembed: ${error.message}`);
    // The stack helps only when reembed itself is at fault; REEMBED_DEBUG shows it for any error.
    if (process.env.REEMBED_DEBUG) console.error(error.stack);
    process.exitCode = exitCode;
  },
);
