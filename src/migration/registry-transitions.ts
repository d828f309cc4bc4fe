import type { CollectionRecord, HistoryEvent } from '../registry/collection-record.js';
import type { MigrationPhase } from './phases.js';

/**
 * How each step of a migration changes a collection's registry record: what writers
 * write to, what searches read, and the history line people see. Pure functions of the
 * record, as the registry's compare-and-set loop needs (it may apply one several times).
 */
export interface RecordTransition {
  readonly change: (record: CollectionRecord) => CollectionRecord;
  readonly event?: Omit<HistoryEvent, 'at'>;
  /**
   * False when no reader needs the change in search results within the refresh interval:
   * writers and routers read records by id, which is real-time, so refreshing the registry
   * after every backfill activity's coverage update would be wasted work.
   */
  readonly refresh?: false;
}

type Migration = NonNullable<CollectionRecord['migration']>;

const ownedBy = (record: CollectionRecord, workflowId: string) => record.migration?.workflowId === workflowId;

/** Records the migration and turns on dual-write: live writes reach the new index while it fills. */
export function migrationStarted(migration: Omit<Migration, 'phase' | 'coverage'>): RecordTransition {
  return {
    change: (r) => ({
      ...r,
      migration: { ...migration, phase: 'PREPARING', coverage: 0 },
      writeTargets: [
        { index: migration.sourceIndex, specId: migration.sourceSpecId },
        { index: migration.targetIndex, specId: migration.targetSpecId },
      ],
    }),
    event: {
      event: 'migration-started',
      detail: { workflowId: migration.workflowId, targetSpecId: migration.targetSpecId, targetIndex: migration.targetIndex },
    },
  };
}

/** A record another migration owns is left alone. */
export function phaseRecorded(workflowId: string, phase: MigrationPhase): RecordTransition {
  return { change: (r) => (ownedBy(r, workflowId) ? { ...r, migration: { ...r.migration!, phase } } : r) };
}

/** Coverage routes searches (old index only, or both merged). */
export function coverageRecorded(workflowId: string, coverage: number): RecordTransition {
  return { change: (r) => (ownedBy(r, workflowId) ? { ...r, migration: { ...r.migration!, coverage } } : r), refresh: false };
}

interface Indexes {
  readonly workflowId: string;
  readonly sourceIndex: string;
  readonly targetIndex: string;
  readonly targetSpecId: string;
}

const sourceSpecOf = (r: CollectionRecord) => r.migration?.sourceSpecId ?? r.activeSpecId;

/** The alias has moved: the target is active; the old index keeps receiving writes through retention so rollback loses nothing. */
export function cutOver(m: Indexes & { approver: string }): RecordTransition {
  return {
    change: (r) => ({
      ...r,
      activeSpecId: m.targetSpecId,
      activeIndex: m.targetIndex,
      writeTargets: [
        { index: m.targetIndex, specId: m.targetSpecId },
        { index: m.sourceIndex, specId: sourceSpecOf(r) },
      ],
      migration: r.migration ? { ...r.migration, phase: 'RETENTION' } : null,
    }),
    event: { event: 'cutover', detail: { workflowId: m.workflowId, from: m.sourceIndex, to: m.targetIndex, approver: m.approver } },
  };
}

/** The alias is back on the old index, which serves and is written alone again. */
export function rolledBack(m: Indexes & { by: string; reason: string }): RecordTransition {
  return {
    change: (r) => {
      const specId = sourceSpecOf(r);
      return { ...r, activeSpecId: specId, activeIndex: m.sourceIndex, writeTargets: [{ index: m.sourceIndex, specId }], migration: null };
    },
    event: { event: 'rolled-back', detail: { workflowId: m.workflowId, by: m.by, reason: m.reason, restored: m.sourceIndex } },
  };
}

/** Retention is over: stop writing the old index (it is deleted once writers have seen this). */
export function completed(m: Indexes): RecordTransition {
  return {
    change: (r) => ({ ...r, writeTargets: [{ index: m.targetIndex, specId: m.targetSpecId }], migration: null }),
    event: { event: 'completed', detail: { workflowId: m.workflowId, retired: m.sourceIndex } },
  };
}

/** Ended before cutover (rejected, failed, cancelled): dual-write off, the active index as it was. */
export function abandoned(workflowId: string, outcome: MigrationPhase, reason: string): RecordTransition {
  return {
    change: (r) => (ownedBy(r, workflowId) ? { ...r, writeTargets: [{ index: r.activeIndex, specId: r.activeSpecId }], migration: null } : r),
    event: { event: outcome.toLowerCase(), detail: { workflowId, reason } },
  };
}
