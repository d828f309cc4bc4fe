import { embedIsolatingFailures } from '../embedding/embed-isolating-failures.js';
import type { ModelSpec } from '../embedding/model-spec.js';
import { MAX_QUARANTINE_SAMPLE, type ChunkReport, type MigrationIndexes } from '../migration/reports.js';
import { NO_SOURCE_TEXT_REASON } from '../migration/status.js';
import type { QuarantineEntry } from '../store/quarantine.js';
import type { StoredDocument, VectorDocument } from '../store/stored-document.js';
import { holdsAtLeastAsNew, holdsSameText, pendingCopies, type Pending, type WriteGuard } from '../migration/write-ordering.js';
import type { MigrationDeps } from './deps.js';
import { distinctTexts } from '../embedding/distinct-texts.js';

export const EMPTY_REPORT: ChunkReport = {
  cursor: null,
  migrated: 0,
  alreadyPresent: 0,
  quarantined: 0,
  quarantineSample: [],
  tokens: 0,
  truncated: 0,
  done: false,
};

export interface CopiedBatch {
  readonly written: number;
  /** Items a node rejected with a full write queue and that were sent again. */
  readonly rejections: number;
  readonly quarantined: readonly QuarantineEntry[];
  readonly tokens: number;
  readonly truncated: number;
  /** Documents that shared an input with another of the same text. */
  readonly inputsSaved: number;
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
    rejections: (report.rejections ?? 0) + batch.rejections,
    inputsSaved: (report.inputsSaved ?? 0) + batch.inputsSaved,
  };
}

/** A source document with text, as the target stores it with its new vector. */
export function vectorDocument(d: StoredDocument, vector: Float32Array): VectorDocument {
  return {
    id: d.id,
    vector,
    sourceHash: d.sourceHash,
    content: d.content!,
    ...(d.metadata ? { metadata: d.metadata } : {}),
    ...(d.updatedAt ? { updatedAt: d.updatedAt } : {}),
  };
}

/** Source documents the target lacks, with the guard to copy them under. */
export type PendingBatch = Pending<StoredDocument>;

/** A batch embedded for the target, not yet written. */
export interface EmbeddedBatch {
  readonly documents: VectorDocument[];
  readonly quarantined: QuarantineEntry[];
  readonly guard: WriteGuard;
  readonly tokens: number;
  readonly truncated: number;
  readonly inputsSaved: number;
}

/**
 * Copies source documents into the target in three steps — read what the target lacks,
 * embed it with the target spec, write it under a version guard (quarantining what cannot
 * be embedded) — that the backfill runs overlapped and the hot-first pass and catch-up run
 * one after the other (`copyPending`).
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
    return this.write(input, spec, await this.embed(spec, pending));
  }

  /**
   * Source documents among `ids` whose current text the target does not hold, each to be
   * copied with the source revision it was read at (write-ordering.ts): a live write or
   * delete that reaches the target meanwhile is newer and wins, the copy is skipped.
   */
  async pendingInTarget(input: MigrationIndexes, ids: readonly string[]): Promise<PendingBatch> {
    const { store } = this.deps;
    const present = await store.getMany(input.targetIndex, ids, false);
    const current = await store.getMany(input.sourceIndex, ids);
    return pendingCopies(
      ids.flatMap((id) => current.get(id) ?? []),
      present,
      holdsSameText,
    );
  }

  /**
   * Of a page of source documents read with their text and revisions (each read once), those
   * the target does not hold at least as new. A live write that reached the target before
   * this read shows there as at least as new and is kept; one that reaches it after carries
   * a higher version than the copy's revision and wins over it.
   */
  async pendingOfPage(input: MigrationIndexes, page: readonly StoredDocument[]): Promise<PendingBatch> {
    const present = await this.deps.store.getMany(
      input.targetIndex,
      page.map((d) => d.id),
      false,
    );
    return pendingCopies(page, present, holdsAtLeastAsNew);
  }

  /**
   * Whether embedding `docs` would take more tokens than `allowance` leaves after `used`;
   * counted with the target model's own tokenizer, as the provider will bill them.
   */
  async overAllowance(spec: ModelSpec, docs: readonly StoredDocument[], used: number, allowance: number | null): Promise<boolean> {
    if (allowance === null) return false;
    const texts = docs.flatMap((d) => (d.content && d.content.trim() !== '' ? [d.content] : []));
    const needed = (await this.deps.providers.get(spec)).countTokens(texts, 'document').reduce((sum, n) => sum + Math.min(n, spec.maxTokens), 0);
    return used + needed > allowance;
  }

  /**
   * Embeds a pending batch with the target spec, each distinct text once (documents with the
   * same text share its vector and are billed once); what cannot be embedded is set aside for quarantine.
   */
  async embed(spec: ModelSpec, { docs, guard }: PendingBatch): Promise<EmbeddedBatch> {
    const quarantined: QuarantineEntry[] = [];
    const embeddable = docs.filter((d) => {
      if (d.content === undefined || d.content.trim() === '') {
        quarantined.push({
          docId: d.id,
          sourceHash: d.sourceHash,
          reason: d.content === undefined ? NO_SOURCE_TEXT_REASON : 'text is empty; there is nothing to embed',
        });
        return false;
      }
      return true;
    });
    const { texts, inputOf } = distinctTexts(embeddable.map((d) => d.content!));
    const embedded = await embedIsolatingFailures(await this.deps.providers.get(spec), texts);
    const reasons = new Map(embedded.failures.map((f) => [f.index, f.reason]));
    embeddable.forEach((d, i) => {
      const reason = reasons.get(inputOf[i]!);
      if (reason !== undefined) quarantined.push({ docId: d.id, sourceHash: d.sourceHash, reason });
    });
    const documents = embeddable.flatMap((d, i) => (reasons.has(inputOf[i]!) ? [] : [vectorDocument(d, embedded.vectors[inputOf[i]!]!)]));
    return { documents, quarantined, guard, tokens: embedded.tokens, truncated: embedded.truncated, inputsSaved: embeddable.length - texts.length };
  }

  /** Writes an embedded batch to the target and quarantines, under the migration, what could not be embedded. */
  async write(ref: MigrationIndexes, spec: ModelSpec, batch: EmbeddedBatch): Promise<CopiedBatch> {
    const { rejections } = await this.deps.store.bulkUpsert(ref.targetIndex, spec, batch.documents, { guard: batch.guard });
    await this.deps.quarantine.add(ref.collection, ref.workflowId, batch.quarantined);
    return {
      written: batch.documents.length,
      rejections,
      quarantined: batch.quarantined,
      tokens: batch.tokens,
      truncated: batch.truncated,
      inputsSaved: batch.inputsSaved,
    };
  }
}
