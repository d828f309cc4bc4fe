import { z } from 'zod';
import { ReembedUsageError } from '../../errors.js';
import type { CanaryResult, CanaryStatus } from '../../canary/canary.js';
import { defineCommand, validate } from '../command.js';
import { printJson } from '../print-json.js';
import { durationSchema, formatDuration } from '../duration.js';

const usage = `reembed canary schedule <collection> --every <duration> [--min-cosine <c>] [--max-doc-drop <share>]
reembed canary run <collection> [--min-cosine <c>] [--max-doc-drop <share>] [--json]
reembed canary status <collection> [--json]
reembed canary unschedule <collection>
  Drift canaries. A canary set (fixed texts and documents sampled at cutover, with their
  vectors) is embedded again with the active spec and compared (cosine ≥ the spec's
  canaryMinCosine: 0.9999 for local models, 0.99 for APIs, or --min-cosine), and the
  collection's health is checked (the alias serves the registry's active index, the document
  count did not fall by more than --max-doc-drop (default 0.1) since the last check, the
  index's vector dimensions equal the spec's). Status OK, DRIFTED or UNHEALTHY.
  schedule creates (or updates) the Temporal Schedule reembed-canary:<collection>, which runs
  the check every <duration> (e.g. 15m, 1h, 1d) on a worker; unschedule deletes it.
  run checks now and exits 0 when OK, 3 when DRIFTED, 4 when UNHEALTHY (for cron and monitoring).
  status prints the schedule and the latest results; the Web UI filters runs by the search
  attribute ReembedCanaryStatus.`;

/** For cron and monitoring: each outcome its own exit code (1 and 2 are reembed's error and usage codes). */
const EXIT_CODES: Record<CanaryStatus, number> = { OK: 0, DRIFTED: 3, UNHEALTHY: 4 };

const shareSchema = z.coerce.number({ error: 'expected a number between 0 and 1' }).min(0).max(1);
const checkOptionsSchema = z.object({ 'min-cosine': shareSchema.optional(), 'max-doc-drop': shareSchema.optional() });

function checkOptions(values: unknown, command: string) {
  const parsed = validate(checkOptionsSchema, values, command);
  return {
    ...(parsed['min-cosine'] !== undefined ? { minCosine: parsed['min-cosine'] } : {}),
    ...(parsed['max-doc-drop'] !== undefined ? { maxDocumentDrop: parsed['max-doc-drop'] } : {}),
  };
}

export function renderCanary(result: CanaryResult): string[] {
  const { drift, health } = result;
  const lines = [`Canary of ${result.collection} (${result.activeSpecId}) at ${result.checkedAt}: ${result.status}`, `  ${result.summary}`];
  if (drift) {
    lines.push(
      `  drift: ${drift.compared} canaries captured ${drift.capturedAt}; cosine min ${drift.minCosine.toFixed(6)}, mean ${drift.meanCosine.toFixed(6)}, threshold ${drift.threshold}`,
    );
    for (const c of drift.drifted) lines.push(`    ${c.source.padEnd(8)} ${c.id}  cosine ${c.cosine.toFixed(4)}`);
  }
  lines.push(
    `  health: alias → [${health.aliasTargets.join(', ')}] (registry: ${health.activeIndex}); ${health.documents ?? '?'} documents` +
      `${health.previousDocuments !== null ? ` (last check ${health.previousDocuments})` : ''}; ${health.mappingDims ?? '?'} dims (spec ${health.specDims})`,
  );
  return lines;
}

export const command = defineCommand({
  usage,
  options: { every: { type: 'string' }, 'min-cosine': { type: 'string' }, 'max-doc-drop': { type: 'string' }, json: { type: 'boolean' } },
  positionals: ['schedule|run|status|unschedule', 'collection'],
  async run(ctx, { values, positionals }) {
    const [action, collection] = positionals as [string, string];
    const canaries = (await ctx.client()).canaries;
    switch (action) {
      case 'schedule': {
        const everyMs = validate(z.object({ every: durationSchema }), values, 'canary schedule').every;
        const { scheduleId, created } = await canaries.schedule(collection, { everyMs, ...checkOptions(values, 'canary schedule') });
        console.log(
          `${created ? 'Scheduled' : 'Updated'} ${scheduleId}: a canary check of ${collection} every ${formatDuration(everyMs)}. ` +
            `A worker must poll ${ctx.config.temporal.taskQueue}; see results with \`reembed canary status ${collection}\`.`,
        );
        return;
      }
      case 'run': {
        const result = await canaries.run(collection, checkOptions(values, 'canary run'));
        if (values.json) printJson(result);
        else console.log(renderCanary(result).join('\n'));
        process.exitCode = EXIT_CODES[result.status];
        return;
      }
      case 'status': {
        const report = await canaries.status(collection);
        if (values.json) return printJson(report);
        const { schedule, latest, recent } = report;
        console.log(
          schedule
            ? `Schedule ${schedule.scheduleId}: every ${formatDuration(schedule.everyMs)}${schedule.paused ? ' (paused)' : ''}, ${schedule.runs} run(s), last ${schedule.lastRunAt ?? 'never'}, next ${schedule.nextRunAt ?? '—'}`
            : `No canary schedule for ${collection}; create one with \`reembed canary schedule ${collection} --every 1h\`.`,
        );
        if (!latest) return console.log('No canary check has run yet.');
        console.log(renderCanary(latest).join('\n'));
        if (recent.length > 1) console.log(`  recent: ${recent.map((r) => `${r.checkedAt} ${r.status}`).join(', ')}`);
        return;
      }
      case 'unschedule': {
        const removed = await canaries.unschedule(collection);
        console.log(removed ? `Deleted the canary schedule of ${collection}.` : `${collection} had no canary schedule.`);
        return;
      }
      default:
        throw new ReembedUsageError(`unknown action "${action}": schedule, run, status or unschedule\n\n${usage}`);
    }
  },
});
