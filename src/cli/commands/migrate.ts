import { z } from 'zod';
import { approverListSchema } from '../../config/env.js';
import { ReembedUsageError } from '../../errors.js';
import { defineCommand, dollarsSchema, nameSchema, operator, validate } from '../command.js';
import { printJson } from '../print-json.js';
import { durationSchema, formatDuration } from '../duration.js';
import { renderEstimate } from '../render-estimate.js';

const usage = `reembed migrate <collection> --to <specId> [--grace 1h] [--retention 7d] [--approval-timeout <duration>]
                [--batch-size 64] [--budget <dollars>] [--force] [--by <name>] [--max-drop 0.02 | --min-quality 0.98] [--min-overlap <0-1>]
                [--min-adapter-recall 0.9]
                [--approvals <n>] [--approvers <name,name,...>] [--parallelism 1] [--batch-api] [--dry-run [--json]]
  Starts the migration workflow of <collection> to the model spec <specId>. It backfills, catches up,
  verifies, then waits for approval (reembed approve); after the grace period it moves the alias and
  keeps the old index for the retention window (reembed rollback / reembed end-retention).
  --approval-timeout rejects when nobody decides in time; --budget pauses the migration at that spend;
  --force starts even when Elasticsearch reports too little disk. The quality gate compares old and new on the
  collection's golden queries (reembed golden): --max-drop is the non-inferiority margin, the largest drop of
  nDCG@10 (a fraction of the old value) the new model may plausibly have; --min-quality is its complement
  (0.98 = --max-drop 0.02). --min-overlap gates collections with only unlabelled queries on overlap@10. --approvals 2 needs two distinct
  approvers before the cutover (four eyes); --approvers (default: REEMBED_APPROVERS) names who may approve.
  --parallelism is how many partitions of the source are backfilled at once, by any workers on the task queue.
  --batch-api (OpenAI specs) backfills the cold documents through the OpenAI Batch API at its batch price
  (default half the synchronous price), each batch within a 24-hour window; hot-first documents, catch-up
  and live writes stay synchronous.
  Documents the source holds without text get vectors mapped from their old ones by a linear adapter if its
  held-out recall@10 reaches --min-adapter-recall (default 0.9); otherwise they stay quarantined.
  --dry-run prints the estimate of tokens, cost (synchronous and, for OpenAI specs, Batch API), duration and disk,
  and starts nothing.`;

const optionsSchema = z.object({
  to: nameSchema,
  grace: durationSchema,
  retention: durationSchema,
  'approval-timeout': durationSchema.optional(),
  'batch-size': z.coerce.number().int().min(1).max(1024),
  by: z.string().optional(),
  budget: dollarsSchema.optional(),
  'max-drop': z.coerce.number().min(0).lt(1).optional(),
  'min-quality': z.coerce.number().positive().max(1).optional(),
  'min-overlap': z.coerce.number().min(0).max(1).optional(),
  'min-adapter-recall': z.coerce.number().min(0).max(1).optional(),
  approvals: z.coerce.number().int().min(1).max(10).optional(),
  parallelism: z.coerce.number().int().min(1).max(64).optional(),
  approvers: approverListSchema.optional(),
});

export const command = defineCommand({
  usage,
  options: {
    to: { type: 'string' },
    grace: { type: 'string', default: '1h' },
    retention: { type: 'string', default: '7d' },
    'approval-timeout': { type: 'string' },
    'batch-size': { type: 'string', default: '64' },
    by: { type: 'string' },
    budget: { type: 'string' },
    force: { type: 'boolean' },
    'max-drop': { type: 'string' },
    'min-quality': { type: 'string' },
    'min-overlap': { type: 'string' },
    'min-adapter-recall': { type: 'string' },
    approvals: { type: 'string' },
    parallelism: { type: 'string' },
    approvers: { type: 'string' },
    'batch-api': { type: 'boolean' },
    'dry-run': { type: 'boolean' },
    json: { type: 'boolean' },
  },
  positionals: ['collection'],
  async run(ctx, { values, positionals }) {
    const o = validate(optionsSchema, values, 'migrate');
    if (o['max-drop'] !== undefined && o['min-quality'] !== undefined)
      throw new ReembedUsageError(`reembed migrate: give --max-drop or --min-quality, not both (--min-quality 0.98 is --max-drop 0.02)\n\n${usage}`);
    const collection = positionals[0]!;
    const client = await ctx.client();
    if (values['dry-run']) {
      const estimate = await client.estimate(collection, o.to);
      if (values.json) return printJson(estimate);
      console.log(`Dry run: migrating ${collection} to ${o.to} would take\n${renderEstimate(estimate)}`);
      const cost = values['batch-api'] && estimate.batch ? estimate.batch.costUsd : estimate.costUsd;
      if (o.budget !== undefined && o.budget < cost)
        console.log(`  budget:       $${o.budget} is below the estimate; the migration would pause when it is spent`);
      return;
    }
    const started = await client.startMigration({
      collection,
      targetSpecId: o.to,
      graceMs: o.grace,
      retentionMs: o.retention,
      approvalTimeoutMs: o['approval-timeout'] ?? null,
      batchSize: o['batch-size'],
      requestedBy: operator(o.by),
      budgetUsd: o.budget ?? null,
      force: Boolean(values.force),
      ...(o['max-drop'] === undefined ? {} : { maxDrop: o['max-drop'] }),
      ...(o['min-quality'] === undefined ? {} : { minQuality: o['min-quality'] }),
      minOverlap: o['min-overlap'] ?? null,
      ...(o['min-adapter-recall'] === undefined ? {} : { minAdapterRecall: o['min-adapter-recall'] }),
      ...(o.approvals === undefined ? {} : { approvals: o.approvals }),
      ...(o.parallelism === undefined ? {} : { parallelism: o.parallelism }),
      ...(o.approvers === undefined ? {} : { approvers: o.approvers }),
      ...(values['batch-api'] ? { batchApi: true } : {}),
    });
    console.log(
      `Migration of ${collection} to ${o.to} started: workflow ${started.workflowId} (grace ${formatDuration(o.grace)}, retention ${formatDuration(o.retention)}${o.budget ? `, budget $${o.budget}` : ''}${o.approvals && o.approvals > 1 ? `, ${o.approvals} approvers` : ''}${values['batch-api'] ? ', through the Batch API' : ''}).`,
    );
    console.log(`  Web UI: ${started.webUiUrl}`);
    console.log(`  watch:  reembed status ${collection}`);
  },
});
