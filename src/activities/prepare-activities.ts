import { heartbeat } from '@temporalio/activity';
import { formatBytes } from '../estimate/disk-estimate.js';
import { estimateMigration } from '../estimate/migration-estimate.js';
import { fingerprint, type ModelSpec } from '../embedding/model-spec.js';
import { InvalidEmbeddingError } from '../embedding/provider.js';
import { FAILURES } from '../migration/failures.js';
import type { MigrationRef, Prepared } from '../migration/reports.js';
import { migrationStarted } from '../migration/registry-transitions.js';
import { BACKFILL_SETTINGS, versionedIndexName } from '../store/vector-index-layout.js';
import type { MigrationDeps } from './deps.js';
import { fatal } from './fatal.js';

const PROBE_TEXT = 'reembed probe: the quick brown fox jumps over the lazy dog.';

/** Prepare: check both specs work here, estimate, create the target index, turn on dual-write. */
export function createPrepareActivities(deps: MigrationDeps) {
  const { catalog, providers, store, registry } = deps;

  /** Embeds one sentence to prove the spec works here; returns the tokens it cost. */
  async function probe(spec: ModelSpec): Promise<number> {
    try {
      return (await (await providers.get(spec)).embed([PROBE_TEXT], 'document')).tokens;
    } catch (error) {
      if (error instanceof InvalidEmbeddingError) throw fatal(FAILURES.invalidModelSpec, `Model spec ${spec.id} failed its probe: ${error.message}`);
      throw error;
    }
  }

  return {
    async prepareMigration(input: MigrationRef & { targetSpecId: string; force: boolean }): Promise<Prepared> {
      const record = await registry.get(input.collection);
      if (record.migration && record.migration.workflowId !== input.workflowId) {
        throw fatal(FAILURES.migrationInProgress, `Collection "${input.collection}" is already migrating (workflow ${record.migration.workflowId}).`);
      }
      if (!record.storeContent) {
        throw fatal(
          FAILURES.noSourceText,
          `Collection "${input.collection}" stores no text (privacy mode), so its documents cannot be re-embedded from the index.`,
        );
      }
      const sourceSpec = catalog.get(record.activeSpecId);
      const targetSpec = catalog.get(input.targetSpecId);
      if (fingerprint(sourceSpec) === fingerprint(targetSpec)) {
        throw fatal(
          FAILURES.sameVectorSpace,
          `Spec ${targetSpec.id} has the same fingerprint as the active spec ${sourceSpec.id}: there is nothing to migrate.`,
        );
      }
      await probe(sourceSpec);
      const probeTokens = await probe(targetSpec);
      const sourceIndex = record.migration?.sourceIndex ?? record.activeIndex;
      const targetIndex = versionedIndexName(input.collection, targetSpec);
      const estimate = await estimateMigration(
        { es: deps.es, store, config: deps.config },
        { sourceIndex, sourceSpec, spec: targetSpec, provider: await providers.get(targetSpec), onPage: (scanned) => heartbeat({ scanned }) },
      );
      const { disk } = estimate;
      if (!disk.fits && !input.force && !record.migration) {
        throw fatal(
          FAILURES.insufficientDisk,
          `The new index needs about ${formatBytes(disk.totalBytes)} but Elasticsearch has ${formatBytes(disk.usableBytes)} usable below its high disk watermark ` +
            `(${formatBytes(disk.availableBytes)} free).`,
        );
      }
      await store.ensureIndex(targetIndex, targetSpec, BACKFILL_SETTINGS);
      // Indexes created before live writes were versioned drop deletes' versions after 60 s.
      await store.keepTombstones(sourceIndex);
      if (!record.migration) {
        await registry.apply(
          input.collection,
          migrationStarted({
            workflowId: input.workflowId,
            sourceSpecId: sourceSpec.id,
            sourceIndex,
            targetSpecId: targetSpec.id,
            targetIndex,
            startedAt: new Date().toISOString(),
          }),
        );
      }
      return { sourceSpecId: sourceSpec.id, sourceIndex, targetIndex, estimate, probeTokens };
    },
  };
}
