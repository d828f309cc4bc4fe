import { setTimeout as sleep } from 'node:timers/promises';
import type { CollectionStatus } from '../../client/collection-status.js';
import { nextAction } from '../../migration/next-action.js';
import { BEFORE_CUTOVER, WORKING, type MigrationPhase } from '../../migration/phases.js';
import { unsearchableText } from '../../migration/unsearchable.js';
import { defineCommand } from '../command.js';
import { renderQuality } from '../render-quality.js';
import { renderBatches } from '../render-batches.js';
import { renderAdapter } from '../render-adapter.js';
import { printJson } from '../print-json.js';

const usage = `reembed status <collection> [--json] [--no-watch]
  Phase, progress bar, rate and ETA, tokens and spend, verification, approvals and refused signals,
  and the command to run next. On a terminal it redraws while the migration works (--no-watch: once).
  --json prints the same as ReembedClient.status() returns.`;

function bar(fraction: number, width = 30): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

export function renderStatus(s: CollectionStatus): string {
  const m = s.migration;
  const lines = [
    `Collection ${s.collection} — phase ${s.phase}${s.paused ? ` (PAUSED by ${s.pausedBy})` : ''}${s.workflowStatus ? ` (workflow ${s.workflowId}, ${s.workflowStatus})` : ''}`,
    `  alias ->      ${s.aliasTarget ?? '(none)'}   active spec ${s.activeSpecId}`,
    `  write to:     ${s.writeTargets.map((t) => `${t.index} (${t.specId})`).join(', ')}`,
  ];
  if (s.paused) lines.push(`  PAUSED:       ${s.pauseReason}`);
  if (!m && s.workflowStatus === 'RUNNING') lines.push('  (no worker answered the status query: start one with `npm run worker` for counts and progress)');
  if (m) {
    const d = s.documents;
    lines.push(
      `  Web UI:       ${s.webUiUrl}`,
      `  source:       ${s.sourceIndex ?? '?'} (${m.sourceSpecId ?? '?'})`,
      `  target:       ${s.targetIndex ?? '?'} (${m.targetSpecId})`,
      `  documents:    ${bar(s.coverage)} ${d.migrated}/${d.total} migrated, ${d.quarantined} quarantined, ${d.truncated} truncated, coverage ${(s.coverage * 100).toFixed(1)}%`,
    );
    const parts = m.partitions ?? [];
    if (parts.length > 1) {
      const workers = new Set(parts.flatMap((p) => p.workers));
      lines.push(
        `  partitions:   ${parts.filter((p) => p.done).length}/${parts.length} done (${parts.map((p, i) => `#${i + 1} ${p.migrated + p.quarantined}/${p.documents}`).join(', ')}); ${workers.size} worker(s): ${[...workers].join(', ')}`,
      );
    }
    if (s.docsPerSecond !== null) lines.push(`  rate:         ${s.docsPerSecond.toFixed(1)} docs/s${s.etaSeconds !== null ? `, ETA ${s.etaSeconds}s` : ''}`);
    const budget = s.budgetUsd !== null ? ` of a $${s.budgetUsd} budget` : '';
    lines.push(
      `  tokens:       ${s.tokens}${s.estimate ? ` of ~${s.estimate.tokens} estimated` : ''}; spent $${s.spentUsd.toFixed(4)}${budget}${s.estimate ? ` (estimate $${s.estimate.costUsd.toFixed(4)})` : ''}`,
    );
    if (s.rejections > 0)
      lines.push(`  rejections:   ${s.rejections} bulk item(s) refused by a full Elasticsearch write queue, each sent again after a backoff`);
    lines.push(...renderBatches(s));
    for (const r of m.rebuiltShards ?? [])
      lines.push(
        `  rebuilt:      shard(s) ${r.shards.join(', ')} of ${r.index} at ${r.at}: lost for good with their node, their documents copied again from the old index`,
      );
    if (s.hotSetMigrated !== null)
      lines.push(`  hot set:      ${(s.hotSetMigrated * 100).toFixed(0)}% of the 100 most-searched documents are in the new index`);
    if (m.catchUp.passes > 0) lines.push(`  catch-up:     ${m.catchUp.passes} pass(es), ${m.catchUp.reembedded} re-embedded, ${m.catchUp.deleted} deleted`);
    if (m.verification)
      lines.push(
        `  verification: ${m.verification.ok ? 'ok' : 'FAILED'} — ${m.verification.sampleHits}/${m.verification.sampleQueries} sample searches found their document${m.verification.problems.length ? `; ${m.verification.problems.join('; ')}` : ''}`,
      );
    if (m.quality) {
      const [verdict, ...table] = renderQuality(m.quality, { losers: false });
      lines.push(
        `  quality:      ${verdict}`,
        ...table.map((l) => `                ${l}`),
        `                (per-query losers: reembed quality ${s.collection})`,
      );
    }
    for (const a of s.adapters) lines.push(`  adapter:      ${renderAdapter(a)}`);
    if (m.adaptation && m.adaptation.candidates > 0) {
      lines.push(
        `  adapted:      ${m.adaptation.adapted} of ${m.adaptation.candidates} documents without text got adapted vectors${m.adaptation.refused ? ` — none: ${m.adaptation.refused}` : ''}`,
      );
    }
    const unsearchable = m.unsearchableAfterCutover;
    // A rejected, failed or rolled-back migration left the alias (and so every document) where it was.
    if (unsearchable && unsearchable.count > 0 && !['REJECTED', 'FAILED', 'ROLLED_BACK'].includes(s.phase))
      lines.push(`  unsearchable: ${unsearchableText(unsearchable, s.phase !== 'NONE' && !BEFORE_CUTOVER.has(s.phase))}`);
    const required = m.approvalsRequired ?? 1;
    for (const a of m.approvals ?? (m.approval ? [m.approval] : [])) {
      lines.push(`  approved by:  ${a.approver} at ${a.at}${a.note ? ` — ${a.note}` : ''}`);
    }
    if (required > 1 && !m.approval && s.phase === 'AWAITING_APPROVAL')
      lines.push(`  approvals:    ${m.approvals?.length ?? 0} of ${required} distinct approvers`);
    if (m.graceEndsAt && s.phase === 'GRACE_PERIOD') lines.push(`  cutover at:   ${m.graceEndsAt}`);
    if (m.cutoverAt) lines.push(`  cutover:      ${m.cutoverAt}${m.retentionEndsAt ? `; old index kept until ${m.retentionEndsAt}` : ''}`);
    if (m.rejection) lines.push(`  rejected by:  ${m.rejection.by}: ${m.rejection.reason}`);
    if (m.error) lines.push(`  error:        ${m.error}`);
    for (const q of s.quarantinedDocuments.slice(0, 10)) lines.push(`  quarantined:  ${q.id}: ${q.reason}`);
    if (s.quarantinedDocuments.length > 10) lines.push(`  … and ${s.documents.quarantined - 10} more (reembed status ${s.collection} --json)`);
    for (const r of m.refusedSignals.slice(-5)) lines.push(`  refused:      ${r.signal} at ${r.at}${r.by ? ` from ${r.by}` : ''}: ${r.reason}`);
  }
  const next = nextAction(s.collection, { phase: s.phase, paused: s.paused, quality: s.quality ?? undefined });
  if (next) lines.push(`  next:         ${next}`);
  return lines.join('\n');
}

export const command = defineCommand({
  usage,
  options: { json: { type: 'boolean' }, 'no-watch': { type: 'boolean' } },
  positionals: ['collection'],
  async run(ctx, { values, positionals }) {
    const collection = positionals[0]!;
    const client = await ctx.client();
    if (values.json) return printJson(await client.status(collection));
    const watch = !values['no-watch'] && process.stdout.isTTY;
    let printedLines = 0;
    for (;;) {
      const s = await client.status(collection);
      const text = renderStatus(s);
      if (printedLines > 0) process.stdout.write(`\x1b[${printedLines}A\x1b[J`);
      process.stdout.write(`${text}\n`);
      printedLines = text.split('\n').length;
      if (!(watch && WORKING.has(s.phase as MigrationPhase))) return;
      await sleep(1000);
    }
  },
});
