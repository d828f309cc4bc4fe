import { embedIsolatingFailures } from '../embedding/embed-isolating-failures.js';
import type { ModelSpec } from '../embedding/model-spec.js';
import { MAX_QUARANTINE_SAMPLE, type ChunkReport, type MigrationIndexes, type MigrationRef } from '../migration/contract.js';
import type { QuarantineEntry } from '../store/quarantine.js';
import type { StoredDocument, WriteGuard } from '../store/vector-index.js';
import type { MigrationDeps } from './deps.js';

export const EMPTY_REPORT: ChunkReport = { cursor: null, migrated: 0, quarantined: 0, quarantineSample: [], tokens: 0, truncated: 0, done: false };

export interface CopiedBatch {
  readonly written: number;
  readonly quarantined: readonly QuarantineEntry[];
  readonly tokens: number;
  readonly truncated: number;
}

/** A backfill report with one more copied batch counted in. */
export function withBatch<R extends ChunkReport>(report: R, batch: CopiedBatch): R {
  return {
    ...report,
    migrated: report.migrated + batch.written,
    quarantined: report.quarantined + batch.quarantined.length,
    quarantineSample: [...report.quarantineSample, ...batch.quarantined.map((q) => ({ id: q.docId, reason: q.reason }))].slice(0, MAX_QUARANTINE_SAMPLE),
    tokens: report.tokens + batch.tokens,
    truncated: report.truncated + batch.truncated,
  };
}

/**
 * Copies source documents into the target: reads what the target lacks, embeds it with
 * the target spec, writes it under a version guard, quarantines what cannot be embedded.
 * The backfill, the hot-first pass and catch-up all copy through here.
 */
export class CopyPipeline {
  constructor(private readonly deps: Pick<MigrationDeps, 'providers' | 'store' | 'quarantine'>) {}

  /**
   * Copies the source documents among `ids` that the target lacks, under the write guard —
   * or, when their tokens would take `used` past `allowance`, sends nothing and returns null.
   */
  async copyPending(input: MigrationIndexes, spec: ModelSpec, ids: readonly string[], used: number, allowance: number | null): Promise<CopiedBatch | null> {
    const pending = await this.pendingInTarget(input, ids);
    if (await this.overAllowance(spec, pending.docs, used, allowance)) return null;
    return this.embedInto(input, { index: input.targetIndex, spec }, pending.docs, pending.guard);
  }

  /**
   * Source documents among `ids` whose current text the target does not hold, with a guard
   * of the target's versions read *before* the source text. Live dual-writes race with the
   * migration's own writes; writing under that guard, an older text can never overwrite a
   * newer one that a writer put in the target meanwhile (its write wins, ours is skipped).
   */
  private async pendingInTarget(input: MigrationIndexes, ids: readonly string[]): Promise<{ docs: StoredDocument[]; guard: WriteGuard }> {
    const { store } = this.deps;
    const present = await store.getMany(input.targetIndex, ids, false);
    const current = await store.getMany(input.sourceIndex, ids);
    const docs = ids.flatMap((id) => {
      const doc = current.get(id);
      return doc && doc.sourceHash !== present.get(id)?.sourceHash ? [doc] : [];
    });
    return { docs, guard: new Map(docs.map((d) => [d.id, present.get(d.id)?.version ?? null])) };
  }

  /**
   * Whether embedding `docs` would take more tokens than `allowance` leaves after `used`;
   * counted with the target model's own tokenizer, as the provider will bill them.
   */
  private async overAllowance(spec: ModelSpec, docs: readonly StoredDocument[], used: number, allowance: number | null): Promise<boolean> {
    if (allowance === null) return false;
    const texts = docs.flatMap((d) => (d.content && d.content.trim() !== '' ? [d.content] : []));
    const needed = (await this.deps.providers.get(spec)).countTokens(texts, 'document').reduce((sum, n) => sum + Math.min(n, spec.maxTokens), 0);
    return used + needed > allowance;
  }

  /**
   * Embeds documents for the target and writes them; what could not be embedded is
   * quarantined under the migration and returned.
   */
  private async embedInto(
    ref: MigrationRef,
    target: { index: string; spec: ModelSpec },
    docs: readonly StoredDocument[],
    guard: WriteGuard,
  ): Promise<CopiedBatch> {
    const quarantined: QuarantineEntry[] = [];
    const embeddable = docs.filter((d) => {
      if (d.content === undefined || d.content.trim() === '') {
        quarantined.push({
          docId: d.id,
          sourceHash: d.sourceHash,
          reason: d.content === undefined ? 'the source stores no text for this document' : 'text is empty; there is nothing to embed',
        });
        return false;
      }
      return true;
    });
    const embedded = await embedIsolatingFailures(
      await this.deps.providers.get(target.spec),
      embeddable.map((d) => d.content!),
    );
    const failedAt = new Set(embedded.failures.map((f) => f.index));
    embedded.failures.forEach((f) => quarantined.push({ docId: embeddable[f.index]!.id, sourceHash: embeddable[f.index]!.sourceHash, reason: f.reason }));
    const written = embeddable.flatMap((d, i) =>
      failedAt.has(i)
        ? []
        : [
            {
              id: d.id,
              vector: embedded.vectors[i]!,
              sourceHash: d.sourceHash,
              content: d.content!,
              ...(d.metadata ? { metadata: d.metadata } : {}),
              ...(d.updatedAt ? { updatedAt: d.updatedAt } : {}),
            },
          ],
    );
    await this.deps.store.bulkUpsert(target.index, target.spec, written, guard);
    await this.deps.quarantine.add(ref.collection, ref.workflowId, quarantined);
    return { written: written.length, quarantined, tokens: embedded.tokens, truncated: embedded.truncated };
  }
}
