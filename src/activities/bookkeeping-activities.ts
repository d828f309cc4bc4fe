import { FAILURES } from '../migration/failures.js';
import type { MigrationIndexes, MigrationRef } from '../migration/reports.js';
import type { MigrationPhase } from '../migration/phases.js';
import { abandoned, completed, cutOver, phaseRecorded, rolledBack } from '../migration/registry-transitions.js';
import type { MigrationDeps } from './deps.js';
import { rebuildLostPrimaries } from '../store/index-availability.js';
import { fatal } from './fatal.js';

/** Short activities that move the alias, record the migration in the registry and delete indexes. */
export function createBookkeepingActivities(deps: MigrationDeps) {
  const { store, aliases, registry } = deps;

  /** Moves the read alias; a retry after success finds it already moved and does nothing. */
  async function moveAlias(collection: string, from: string, to: string): Promise<void> {
    const targets = await aliases.targets(collection);
    if (targets.length === 1 && targets[0] === to) return;
    if (!(targets.length === 1 && targets[0] === from)) {
      throw fatal(FAILURES.aliasMoved, `Alias "${collection}" points to [${targets.join(', ')}], expected ${from}; someone changed it.`);
    }
    await aliases.swap(collection, from, to);
  }

  return {
    /**
     * After a pause for lost primaries, on resume: the new index's shards that have no copy
     * left anywhere are allocated empty (the new index is derived data; the catch-up copies
     * their documents again from the source). The old and bookkeeping indexes are never touched.
     */
    async rebuildLostTargetShards(input: MigrationIndexes): Promise<number[]> {
      return rebuildLostPrimaries(deps.es, input.targetIndex);
    },

    async recordPhase(input: MigrationRef & { phase: MigrationPhase }): Promise<void> {
      await registry.apply(input.collection, phaseRecorded(input.workflowId, input.phase));
    },

    /** The atomic alias swap, then the registry records the new active index. */
    async cutover(input: MigrationIndexes & { approver: string }): Promise<void> {
      await moveAlias(input.collection, input.sourceIndex, input.targetIndex);
      await registry.apply(input.collection, cutOver(input));
    },

    async rollbackCutover(input: MigrationIndexes & { by: string; reason: string }): Promise<void> {
      await moveAlias(input.collection, input.targetIndex, input.sourceIndex);
      await registry.apply(input.collection, rolledBack(input));
    },

    /** After retention: stop writing the old index (the workflow deletes it once writers have seen that). */
    async finishMigration(input: MigrationIndexes): Promise<void> {
      await registry.apply(input.collection, completed(input));
    },

    /** Deletes an index no longer written; refuses the one the alias or registry serves from. */
    async deleteRetiredIndex(input: MigrationRef & { index: string }): Promise<void> {
      const record = await registry.find(input.collection);
      const aliasTargets = await aliases.targets(input.collection);
      if (aliasTargets.includes(input.index) || record?.activeIndex === input.index) {
        throw fatal(FAILURES.activeIndexProtected, `Refusing to delete ${input.index}: it is the active index of "${input.collection}".`);
      }
      await store.deleteIndex(input.index);
    },

    /** Before cutover (rejected, failed or cancelled): dual-write off; the workflow then deletes the new index. */
    async abandonMigration(input: MigrationRef & { outcome: MigrationPhase; reason: string }): Promise<void> {
      const record = await registry.find(input.collection);
      if (record?.migration?.workflowId === input.workflowId) {
        await registry.apply(input.collection, abandoned(input.workflowId, input.outcome, input.reason));
      }
    },
  };
}
