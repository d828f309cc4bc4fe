import { ApplicationFailure } from '@temporalio/common';
import type { MigrationActivities } from '../../src/activities/index.js';
import { FAILURES } from '../../src/migration/failures.js';
import type { AdaptationReport } from '../../src/migration/status.js';
import type {
  CatchUpReport,
  ChunkReport,
  MigrationIndexes,
  PartitionProgress,
  Prepared,
  QualityReport,
  VerificationReport,
} from '../../src/migration/reports.js';
import { qualityReport, type QueryOutcome } from '../../src/migration/quality-gate.js';
import { waitFor } from './services.js';

/** The activities the migration workflow schedules, by name. */
type WorkflowActivities = Pick<
  MigrationActivities,
  | 'prepareMigration'
  | 'recordPhase'
  | 'backfillHot'
  | 'planPartitions'
  | 'backfillChunk'
  | 'catchUpPass'
  | 'adaptDocumentsWithoutText'
  | 'verifyMigration'
  | 'evaluateQuality'
  | 'warmUpIndex'
  | 'cutover'
  | 'rollbackCutover'
  | 'captureCanaries'
  | 'finishMigration'
  | 'deleteRetiredIndex'
  | 'abandonMigration'
>;

const TOKENS_PER_DOCUMENT = 10;

/**
 * In-memory stand-ins for the migration's activities: a source of `documents` ids, copied in
 * order, with scriptable prices, failures, gates and quality outcomes. Every call is
 * recorded, so a test can check what the workflow asked for and in which order.
 */
export class StubMigration {
  readonly calls: { name: string; input: unknown }[] = [];
  /** Dollars per million tokens; at 10 tokens per document. */
  price = 0;
  /** Golden-query outcomes the quality gate judges; none: NOT_EVALUATED. */
  outcomes: QueryOutcome[] = [];
  verificationProblems: string[] = [];
  /** Activities that fail once with a provider-configuration error before they succeed. */
  readonly providerFailures = new Set<string>();
  /** Activities that fail for good with this message. */
  readonly fatal = new Map<string, string>();
  private readonly gates = new Map<string, { opened: Promise<void>; open: () => void }>();
  private readonly ids: string[];

  constructor(readonly documents: number) {
    this.ids = Array.from({ length: documents }, (_, i) => `d${String(i).padStart(6, '0')}`);
  }

  /** Holds every call of `activity` until `release(activity)`; resolves once the first call waits. */
  hold(activity: string): void {
    let open!: () => void;
    const opened = new Promise<void>((r) => (open = r));
    this.gates.set(activity, { opened, open });
  }

  release(activity: string): void {
    this.gates.get(activity)?.open();
    this.gates.delete(activity);
  }

  /** Waits until `activity` has been called at least `times` times. */
  async called(activity: string, times = 1): Promise<void> {
    await waitFor(async () => this.calls.filter((c) => c.name === activity).length >= times, `${times} call(s) of ${activity}`, 30_000, 20);
  }

  names(activity: string): unknown[] {
    return this.calls.filter((c) => c.name === activity).map((c) => c.input);
  }

  private async enter(name: string, input: unknown): Promise<void> {
    this.calls.push({ name, input });
    const fatal = this.fatal.get(name);
    if (fatal) throw ApplicationFailure.nonRetryable(fatal, 'StubFailure');
    if (this.providerFailures.delete(name)) {
      throw ApplicationFailure.create({ message: 'the provider refused the API key (stub)', type: FAILURES.providerConfig.type, nonRetryable: true });
    }
    await this.gates.get(name)?.opened;
  }

  private copy(cursor: string | null, upTo: string | null | undefined, limit: number, tokenAllowance: number | null): ChunkReport {
    const pending = this.ids.filter((id) => (cursor === null || id > cursor) && (upTo == null || id <= upTo));
    const affordable = tokenAllowance === null ? limit : Math.min(limit, Math.floor(tokenAllowance / TOKENS_PER_DOCUMENT));
    const copied = pending.slice(0, affordable);
    const budgetReached = copied.length < Math.min(limit, pending.length);
    return {
      cursor: copied.at(-1) ?? cursor,
      migrated: copied.length,
      quarantined: 0,
      quarantineSample: [],
      tokens: copied.length * TOKENS_PER_DOCUMENT,
      truncated: 0,
      done: copied.length === pending.length,
      ...(budgetReached ? { budgetReached } : {}),
    };
  }

  activities(): WorkflowActivities {
    const record = async <T>(name: string, input: unknown, result: () => T): Promise<T> => {
      await this.enter(name, input);
      return result();
    };
    return {
      prepareMigration: (input) =>
        record('prepareMigration', input, (): Prepared => ({
          sourceSpecId: 'old-spec',
          sourceIndex: `${input.collection}__old`,
          targetIndex: `${input.collection}__new`,
          probeTokens: 0,
          estimate: {
            specId: input.targetSpecId,
            documents: this.documents,
            tokens: this.documents * TOKENS_PER_DOCUMENT,
            truncated: 0,
            withoutText: 0,
            pricePerMillionTokens: this.price,
            costUsd: (this.documents * TOKENS_PER_DOCUMENT * this.price) / 1e6,
            durationMs: null,
            durationBasis: 'stub',
            disk: { rawVectorBytes: 0, quantizedVectorBytes: 0, graphBytes: 0, otherBytes: 0, totalBytes: 0, usableBytes: 1, availableBytes: 1, fits: true },
          },
        })),
      recordPhase: (input) => record('recordPhase', input, () => undefined),
      backfillHot: (input) => record('backfillHot', input, (): ChunkReport => ({ ...this.copy(null, null, 0, null), done: true })),
      planPartitions: (input) =>
        record('planPartitions', input, (): PartitionProgress[] => {
          const size = Math.ceil(this.documents / input.count);
          return Array.from({ length: input.count }, (_, i) => ({
            lower: i === 0 ? null : this.ids[i * size - 1]!,
            upper: i === input.count - 1 ? null : this.ids[(i + 1) * size - 1]!,
            documents: this.ids.slice(i * size, (i + 1) * size).length,
            cursor: i === 0 ? null : this.ids[i * size - 1]!,
            migrated: 0,
            quarantined: 0,
            done: false,
            workers: [],
          }));
        }),
      backfillChunk: (input) =>
        record('backfillChunk', input, () => this.copy(input.cursor, input.upTo, input.batchSize * input.batches, input.tokenAllowance)),
      catchUpPass: (input) =>
        record('catchUpPass', input, (): CatchUpReport => ({ reembedded: 0, deleted: 0, quarantined: 0, tokens: 0, truncated: 0, budgetReached: false })),
      adaptDocumentsWithoutText: (input) => record('adaptDocumentsWithoutText', input, (): AdaptationReport => ({ candidates: 0, adapted: 0, adapter: null })),
      verifyMigration: (input: MigrationIndexes) =>
        record('verifyMigration', input, (): VerificationReport => ({
          ok: this.verificationProblems.length === 0,
          sourceCount: this.documents,
          targetCount: this.documents,
          quarantined: 0,
          coverage: 1,
          fingerprints: { stub: this.documents },
          sampleQueries: 0,
          sampleHits: 0,
          problems: this.verificationProblems,
          tokens: 0,
        })),
      evaluateQuality: (input) =>
        record('evaluateQuality', input, (): QualityReport => qualityReport(this.outcomes, { maxDrop: input.maxDrop ?? 0.02, minOverlap: input.minOverlap })),
      warmUpIndex: (input) => record('warmUpIndex', input, () => null),
      cutover: (input) => record('cutover', input, () => undefined),
      rollbackCutover: (input) => record('rollbackCutover', input, () => undefined),
      captureCanaries: (input) => record('captureCanaries', input, () => 3),
      finishMigration: (input) => record('finishMigration', input, () => undefined),
      deleteRetiredIndex: (input) => record('deleteRetiredIndex', input, () => undefined),
      abandonMigration: (input) => record('abandonMigration', input, () => undefined),
    };
  }
}
