import { coverage } from './coverage.js';
import {
  MAX_QUARANTINE_SAMPLE,
  type CatchUpReport,
  type ChunkReport,
  type PartitionProgress,
  type Prepared,
  type QualityReport,
  type VerificationReport,
  type WarmupReport,
} from './reports.js';
import type { AdaptationReport, MigrationStatus, PausedBy } from './status.js';
import { now, type StatusCell } from './status-cell.js';
import { reservedUsd, spending } from './spending.js';

/**
 * Catch-up passes that still found work before verification goes ahead anyway: live writes
 * keep arriving, so the target may never be quiet; dual-write covers what arrives after.
 */
export const MAX_CATCH_UP_PASSES = 10;

/** What the workflow does after a catch-up pass. */
export type CatchUpNext = 'again' | 'paused' | 'done';

/**
 * What each activity's report does to the counts, the spend and the budget of one migration,
 * and when the migration pauses for itself (budget, a failure someone must fix).
 */
export class ProgressAccounting {
  /** Catch-up passes counted towards MAX_CATCH_UP_PASSES (a pass stopped at the budget is not). */
  private catchUpPassesCounted = 0;

  constructor(protected readonly cell: StatusCell) {}

  private get s(): MigrationStatus {
    return this.cell.value;
  }
  private set s(value: MigrationStatus) {
    this.cell.value = value;
  }

  /**
   * Copying begins. The backfill's rate (status ETA, benchmarks) counts from here, not from
   * entering the phase: recording a phase waits for a registry refresh, about a second that
   * is bookkeeping, not backfill.
   */
  backfillBegins(): void {
    this.s = { ...this.s, backfillStartedAt: now() };
  }

  /** Records what Prepare found; the workflow then enters BACKFILLING. */
  prepared(p: Prepared): void {
    const { probeTokens, ...rest } = p;
    const { documents: total, pricePerMillionTokens, batch } = p.estimate;
    const batchPrice = batch ? { batchPricePerMillionTokens: batch.pricePerMillionTokens } : {};
    this.s = { ...this.s, ...rest, pricePerMillionTokens, ...batchPrice, documents: { ...this.s.documents, total } };
    this.s = { ...this.s, ...this.spend(probeTokens) };
  }

  /** The hot-first pass runs once, before the regular backfill has copied anything. */
  needsHotFirst(limit: number): boolean {
    return this.s.cursor === null && limit > 0 && !this.s.hotFirstDone;
  }

  hotFirstDone(): void {
    this.s = { ...this.s, hotFirstDone: true };
  }

  /** The backfill's partitions, planned once; continue-as-new carries them with their cursors. */
  partitioned(partitions: readonly PartitionProgress[]): void {
    this.s = { ...this.s, partitions };
  }

  /**
   * Partitions to start now: those not done and not running, while fewer than
   * `parallelism` run (one at a time with a budget, so no two batches spend the same
   * remaining dollars).
   */
  partitionsToStart(running: ReadonlySet<number>, parallelism: number): number[] {
    const limit = this.s.budgetUsd === null ? parallelism : 1;
    const waiting = (this.s.partitions ?? []).flatMap((p, i) => (p.done || running.has(i) ? [] : [i]));
    return waiting.slice(0, Math.max(0, limit - running.size));
  }

  get partitionsDone(): boolean {
    return (this.s.partitions ?? []).every((p) => p.done);
  }

  /** Counts a partition's chunk in: its cursor, counts and workers, and the migration's totals. */
  applyPartitionChunk(index: number, chunk: ChunkReport): void {
    const partitions = (this.s.partitions ?? []).map((p, i) =>
      i !== index
        ? p
        : {
            ...p,
            cursor: chunk.cursor,
            migrated: p.migrated + chunk.migrated + (chunk.alreadyPresent ?? 0),
            quarantined: p.quarantined + chunk.quarantined,
            done: chunk.done && !chunk.budgetReached,
            workers: chunk.executedBy && !p.workers.includes(chunk.executedBy) ? [...p.workers, chunk.executedBy] : p.workers,
          },
    );
    this.s = { ...this.s, partitions };
    this.applyChunk(chunk);
  }

  /** Counts a backfill chunk in; at the budget the migration pauses. */
  applyChunk(chunk: ChunkReport): void {
    const documents = {
      total: Math.max(this.s.documents.total, this.s.documents.migrated + chunk.migrated + this.s.documents.quarantined + chunk.quarantined),
      migrated: this.s.documents.migrated + chunk.migrated,
      quarantined: this.s.documents.quarantined + chunk.quarantined,
      truncated: this.s.documents.truncated + chunk.truncated,
    };
    this.s = {
      ...this.s,
      ...this.spend(chunk.tokens),
      cursor: chunk.cursor,
      documents,
      coverage: coverage(documents),
      quarantineSample: [...this.s.quarantineSample, ...chunk.quarantineSample].slice(0, MAX_QUARANTINE_SAMPLE),
      ...(chunk.rejections ? { rejections: (this.s.rejections ?? 0) + chunk.rejections } : {}),
      ...(chunk.inputsSaved ? { inputsSaved: (this.s.inputsSaved ?? 0) + chunk.inputsSaved } : {}),
    };
    if (chunk.budgetReached) this.pauseAtBudget();
  }

  /**
   * Counts a catch-up pass in and decides what follows: run it again once resumed when it
   * stopped at the budget, stop when a pass found nothing to fix or after
   * MAX_CATCH_UP_PASSES, otherwise run another.
   */
  applyCatchUp(pass: CatchUpReport): CatchUpNext {
    this.s = {
      ...this.s,
      ...this.spend(pass.tokens),
      documents: { ...this.s.documents, truncated: this.s.documents.truncated + pass.truncated },
      catchUp: {
        passes: this.s.catchUp.passes + 1,
        reembedded: this.s.catchUp.reembedded + pass.reembedded,
        deleted: this.s.catchUp.deleted + pass.deleted,
      },
    };
    if (pass.budgetReached) {
      this.pauseAtBudget();
      return 'paused';
    }
    this.catchUpPassesCounted++;
    const quiet = pass.reembedded + pass.deleted + pass.quarantined === 0;
    return quiet || this.catchUpPassesCounted >= MAX_CATCH_UP_PASSES ? 'done' : 'again';
  }

  /** The quality gate's report; a REGRESSION or INCONCLUSIVE verdict makes approval need an explicit acknowledgement. */
  evaluated(quality: QualityReport): void {
    this.s = { ...this.s, quality };
  }

  /** The grace period's warm-up latencies join the quality report. */
  warmedUp(warmup: WarmupReport): void {
    if (this.s.quality) this.s = { ...this.s, quality: { ...this.s.quality, warmup } };
  }

  /** Adapted documents left the quarantine for the new index; verification recounts both. */
  adapted(adaptation: AdaptationReport): void {
    this.s = { ...this.s, adaptation };
  }

  verified(report: VerificationReport): void {
    const documents = { total: report.sourceCount, migrated: report.targetCount, quarantined: report.quarantined, truncated: this.s.documents.truncated };
    const unsearchable = report.unsearchableAfterCutover ? { unsearchableAfterCutover: report.unsearchableAfterCutover } : {};
    this.s = { ...this.s, ...this.spend(report.tokens), verification: report, documents, coverage: report.coverage, ...unsearchable };
  }

  /**
   * Tokens the budget still allows at `price` (this migration's synchronous price unless told)
   * once open Batch API batches are paid for; null when there is no budget (or nothing is
   * charged). Activities stop before a batch that would go past it.
   */
  tokenAllowance(price = this.s.pricePerMillionTokens): number | null {
    const { budgetUsd } = this.s;
    if (budgetUsd === null || price === 0) return null;
    return Math.max(0, Math.floor(((budgetUsd - this.s.spentUsd - reservedUsd(this.s)) / price) * 1_000_000));
  }

  /** Shards of the new index allocated empty after their node was lost for good; the catch-up copies their documents again. */
  lostShardsRebuilt(index: string, shards: readonly number[]): void {
    this.s = { ...this.s, rebuiltShards: [...(this.s.rebuiltShards ?? []), { index, shards, at: now() }] };
  }

  /** The next batch would go past the budget: wait for an operator to add more. */
  pauseAtBudget(): void {
    const s = this.s;
    this.pauseFor(
      'budget',
      `budget of $${s.budgetUsd} reached: $${s.spentUsd.toFixed(4)} spent on ${s.tokens} tokens and the next batch would go past it. ` +
        `Resume with more: reembed resume ${s.collection} --budget <dollars>`,
    );
  }

  /**
   * A failure the failure catalog pauses on (the provider refused our key or model, Elasticsearch
   * blocks writes): wait until someone fixes the cause and resumes.
   */
  pauseUntilFixed(by: Exclude<PausedBy, 'operator'>, message: string): void {
    this.pauseFor(by, `${message} Then: reembed resume ${this.s.collection}`);
  }

  private pauseFor(by: Exclude<PausedBy, 'operator'>, reason: string): void {
    this.s = { ...this.s, paused: true, pausedBy: by, pauseReason: reason };
  }

  private spend(tokens: number): Pick<MigrationStatus, 'tokens' | 'spentUsd' | 'batchTokens'> {
    return spending(this.s, tokens);
  }
}
