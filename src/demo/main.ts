import { parseArgs } from 'node:util';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { z } from 'zod';
import type { ReembedClient } from '../client/reembed-client.js';
import { CliContext } from '../cli/context.js';
import { durationSchema, formatDuration } from '../cli/duration.js';
import { ProgressBar } from '../cli/progress-bar.js';
import { renderEstimate } from '../cli/render-estimate.js';
import { renderQuality } from '../cli/render-quality.js';
import { latencyText } from '../migration/latency.js';
import { loadSotuGoldenCorpus, loadSotuPassages, SOTU_GOLDEN_FILE } from '../corpus/sotu.js';
import type { MigrationStatus } from '../migration/status.js';
import { acknowledgementFlags, acknowledgementText, acknowledgementsNeeded, approvalPayload } from '../migration/acknowledgements.js';
import { createReembedWorker } from '../worker/create-worker.js';

/**
 * The main job: a full zero-downtime migration of the bundled State of the Union corpus
 * from one local model spec to another — ingest, backfill, verify, measure search quality on
 * hand-judged golden queries, human approval (Web UI
 * or CLI; `--yes` approves for you), grace period, atomic cutover — with the same
 * queries answered before and after. Cleanup stays scheduled for the retention window.
 */

// A real model upgrade: MiniLM to BGE (a rerun after a completed migration goes back).
const SPECS = ['minilm-l6-v2', 'bge-small-en-v1.5'] as const;
const QUERIES = ['rebuilding the economy after the financial crisis', 'health insurance and the cost of medical care', 'climate change and clean energy'];

const argsSchema = z.object({
  collection: z.string(),
  yes: z.boolean(),
  grace: durationSchema,
  retention: durationSchema,
  from: z.coerce.number().int(),
  to: z.coerce.number().int(),
});

function parseDemoArgs() {
  const { values } = parseArgs({
    options: {
      collection: { type: 'string', default: 'sotu' },
      yes: { type: 'boolean', default: false },
      grace: { type: 'string', default: '10s' },
      retention: { type: 'string', default: '7d' },
      from: { type: 'string', default: '2001' },
      to: { type: 'string', default: '2021' },
    },
  });
  const parsed = argsSchema.safeParse(values);
  if (!parsed.success) throw new Error(`Invalid demo arguments:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

async function showSearches(ctx: CliContext, collection: string, title: string): Promise<void> {
  console.log(`\n${title}`);
  for (const query of QUERIES) {
    const { hits } = await (await ctx.connected()).router().search(collection, query, { k: 3 });
    console.log(`  ? ${query}`);
    for (const h of hits) {
      const meta = h.metadata as { year?: number; president?: string } | undefined;
      console.log(`    ${h.score.toFixed(3)} [${h.specId}] ${meta?.year} ${meta?.president}: ${(h.content ?? '').slice(0, 90)}…`);
    }
  }
}

/** Ingests the corpus unless the collection already holds all of it (a rerun). */
async function ensureCollection(ctx: CliContext, collection: string, from: number, to: number): Promise<string> {
  const docs = loadSotuPassages({ fromYear: from, toYear: to });
  const services = await ctx.connected();
  const existing = await services.registry.find(collection);
  if (existing && (await services.store.count(existing.activeIndex)) >= docs.length) {
    console.log(`Collection ${collection} holds the corpus already (active spec ${existing.activeSpecId}, index ${existing.activeIndex}).`);
    return existing.activeSpecId;
  }
  const writer = services.writer();
  const record = await writer.createCollection(collection, SPECS[0], { storeContent: true });
  const bar = new ProgressBar(`ingesting ${docs.length} passages with ${record.activeSpecId}`);
  for (let i = 0; i < docs.length; i += 64) {
    const result = await writer.upsert(
      collection,
      docs.slice(i, i + 64).map((d) => ({ id: d.id, text: d.text, metadata: d.metadata })),
    );
    if (result.failed.length > 0) throw new Error(`ingest refused ${result.failed.length} passage(s): ${result.failed[0]!.reason}`);
    bar.update(Math.min(i + 64, docs.length), docs.length);
  }
  bar.finish();
  return record.activeSpecId;
}

/** A previous demo's migration still in retention would block a new one: finish it. */
async function finishPreviousMigration(client: ReembedClient, collection: string): Promise<void> {
  const status = await client.status(collection);
  if (status.workflowStatus !== 'RUNNING') return;
  if (status.phase !== 'RETENTION') {
    throw new Error(`A migration of ${collection} is already running (phase ${status.phase}); finish it with the CLI (reembed status ${collection}) first.`);
  }
  console.log(`The previous demo migration of ${collection} is in RETENTION; ending it now (reembed end-retention ${collection}).`);
  await client.endRetention(collection, { by: 'demo', reason: 'a new demo run' });
  await client.result(collection);
}

/** Prints each phase as it starts, with a progress bar through the backfill. */
async function waitWithProgress(client: ReembedClient, collection: string, phases: string[]): Promise<MigrationStatus> {
  let bar: ProgressBar | null = null;
  let lastPhase = '';
  const status = await client.waitForPhase(collection, phases, {
    timeoutMs: 6 * 3_600_000,
    onStatus: (s) => {
      if (s.phase !== lastPhase) {
        bar?.finish();
        bar = s.phase === 'BACKFILLING' ? new ProgressBar('  backfilling') : null;
        console.log(`  phase ${s.phase}`);
        lastPhase = s.phase;
      }
      bar?.update(s.documents.migrated + s.documents.quarantined, s.documents.total);
    },
  });
  (bar as ProgressBar | null)?.finish();
  return status;
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const args = parseDemoArgs();
  const ctx = new CliContext();
  const client = await ctx.client();
  await client.init();
  const reembedWorker = await createReembedWorker(ctx.config, ctx.services.catalog);
  const collection = args.collection;

  await reembedWorker.worker.runUntil(async () => {
    const active = await ensureCollection(ctx, collection, args.from, args.to);
    const golden = await loadSotuGoldenCorpus();
    await (await ctx.connected()).golden.add(collection, golden.queries, 'file');
    console.log(`Golden queries: ${golden.queries.length} hand-judged queries from ${SOTU_GOLDEN_FILE} (reembed golden list ${collection}).`);
    await finishPreviousMigration(client, collection);
    const target = SPECS.find((s) => s !== active) ?? SPECS[1];
    await showSearches(ctx, collection, `Before: searching alias "${collection}" served by ${active}`);

    console.log(`\nDry run (reembed migrate ${collection} --to ${target} --dry-run):\n${renderEstimate(await client.estimate(collection, target))}`);
    const started = await client.startMigration({ collection, targetSpecId: target, graceMs: args.grace, retentionMs: args.retention, requestedBy: 'demo' });
    console.log(`\nMigrating ${collection} from ${active} to ${target}: workflow ${started.workflowId}`);
    console.log(`  Temporal Web UI: ${started.webUiUrl}`);
    const t0 = Date.now();
    const waiting = await waitWithProgress(client, collection, ['AWAITING_APPROVAL']);
    const backfillS = (Date.parse(waiting.backfillEndedAt!) - Date.parse(waiting.backfillStartedAt!)) / 1000;
    const v = waiting.verification!;
    console.log(
      `\nBackfill of ${waiting.documents.migrated} documents took ${backfillS.toFixed(1)} s (${(waiting.documents.migrated / backfillS).toFixed(1)} documents/s, ${Math.round(waiting.tokens / backfillS)} tokens/s);`,
    );
    console.log(`prepare, backfill, catch-up and verification together ${((Date.now() - t0) / 1000).toFixed(1)} s.`);
    console.log(
      `  ${v.targetCount}/${v.sourceCount} documents in ${waiting.targetIndex}, ${v.quarantined} quarantined, ${v.sampleHits}/${v.sampleQueries} sample searches found their document.`,
    );
    console.log(`  The alias still points to ${waiting.sourceIndex}: nothing changes without approval.`);
    const quality = waiting.quality!;
    console.log(`\nQuality gate (reembed quality ${collection}; the Web UI's workflow page shows the same table):`);
    for (const line of renderQuality(quality, { losers: true })) console.log(`  ${line}`);
    const ack = acknowledgementsNeeded(waiting);
    const acknowledged = acknowledgementText(ack);

    if (args.yes) {
      console.log(`  --yes given: approving as "demo"${acknowledged ? `, acknowledging: ${acknowledged}` : ''}.`);
      const outcome = await client.approve(collection, { ...approvalPayload(ack, 'demo'), note: 'approved by npm run demo -- --yes' });
      console.log(`  accepted: ${outcome.next}.`);
    } else {
      const payload = JSON.stringify(approvalPayload(ack, 'your name'));
      if (acknowledged) console.log(`\nAn approval must acknowledge: ${acknowledged} — or reject the migration.`);
      console.log('\nApprove the cutover in the Temporal Web UI — open the workflow, choose "Send a Signal", signal');
      console.log(`  approveCutover with input ${payload} — at ${started.webUiUrl}`);
      console.log(`or from another terminal:  ./bin/reembed approve ${collection} --approver "your name"${acknowledgementFlags(ack)}`);
      console.log(`(reject instead:           ./bin/reembed reject ${collection} --by "your name" --reason "why")`);
    }
    const retained = await waitWithProgress(client, collection, ['RETENTION', 'REJECTED']);
    if (retained.phase === 'REJECTED') {
      console.log(`\nRejected by ${retained.rejection?.by}: ${retained.rejection?.reason}. The alias never moved.`);
      return;
    }
    console.log(
      `\nApproved by ${retained.approval?.approver}; after a ${formatDuration(args.grace)} grace period the alias moved atomically at ${retained.cutoverAt}.`,
    );
    const warmup = retained.quality?.warmup;
    if (warmup) {
      console.log(
        `  Warm-up in the grace period: ${warmup.queries} queries × ${warmup.passes} passes against ${retained.targetIndex}; p50/p95 cold ${latencyText(warmup.cold)} → warm ${latencyText(warmup.warm)}.`,
      );
    }
    await showSearches(ctx, collection, `After: searching alias "${collection}" served by ${target}`);
    // The cutover sampled a canary set from the new index; a first check shows what a schedule would run.
    const canary = await client.canaries.run(collection);
    console.log(`\nDrift canary (reembed canary run ${collection}): ${canary.status} — ${canary.summary}`);
    console.log(`  every hour from now on: ./bin/reembed canary schedule ${collection} --every 1h (needs a running worker)`);
    console.log(`\nCleanup is scheduled: ${retained.sourceIndex} stays (and is still written) until ${retained.retentionEndsAt}.`);
    console.log(`  roll back:   ./bin/reembed rollback ${collection} --by <name> --reason <why>`);
    console.log(`  finish now:  ./bin/reembed end-retention ${collection} --by <name>`);
    console.log('  The timer is durable in Temporal; a worker (npm run worker) carries out the cleanup when it fires.');
  });
  await reembedWorker.close();
  await ctx.close();
}

main().catch((error: Error) => {
  console.error(`reembed demo failed: ${error.message}`);
  process.exit(1);
});
