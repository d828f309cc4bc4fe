import { log } from '@temporalio/activity';
import { fitMigrationAdapter } from '../adapter/fit-migration-adapter.js';
import { NO_SOURCE_TEXT_REASON, type AdaptationReport } from '../migration/status.js';
import type { MigrationIndexes } from '../migration/reports.js';
import { DEFAULT_MAX_DROP } from '../migration/quality-gate.js';
import type { AdapterSummary } from '../store/adapters.js';
import type { VectorDocument } from '../store/stored-document.js';
import type { MigrationDeps } from './deps.js';

const WRITE_BATCH = 500;

export function createAdaptationActivities(deps: MigrationDeps) {
  const { store, quarantine, adapters, catalog } = deps;
  return {
    /**
     * Gives the documents quarantined for having no text an adapted vector in the new index,
     * when the adapter between the two indexes is judged better than leaving them out (see
     * adapter-judgement.ts). Each is written only where the new index does not hold it (a live
     * write with text wins).
     */
    async adaptDocumentsWithoutText(
      // maxDrop: absent from workflows that scheduled this before adapters were judged on labels.
      input: MigrationIndexes & { sourceSpecId: string; minAdapterRecall?: number | undefined; maxDrop?: number },
    ): Promise<AdaptationReport> {
      const candidates = (await quarantine.all(input.workflowId)).filter((q) => q.reason === NO_SOURCE_TEXT_REASON).map((q) => q.docId);
      if (candidates.length === 0) return { candidates: 0, adapted: 0, adapter: null };
      let adapter: AdapterSummary;
      try {
        const request = { ...input, minRecall: input.minAdapterRecall, maxDrop: input.maxDrop ?? DEFAULT_MAX_DROP, withoutText: candidates };
        adapter = await fitMigrationAdapter(deps, request);
      } catch (error) {
        const refused = `no adapter could be fitted: ${(error as Error).message}`;
        log.warn('documents without text stay quarantined', { collection: input.collection, refused });
        return { candidates: candidates.length, adapted: 0, adapter: null, refused };
      }
      if (!adapter.usable.documents) {
        return { candidates: candidates.length, adapted: 0, adapter, refused: `the adapter is not used: ${adapter.judgement!.documents.reason}` };
      }
      const { oldToNew } = (await adapters.find(input.collection, input.sourceIndex, input.targetIndex))!;
      const spec = catalog.get(input.targetSpecId);
      await store.allowAdapted(input.targetIndex);
      let adapted = 0;
      for (let i = 0; i < candidates.length; i += WRITE_BATCH) {
        const ids = candidates.slice(i, i + WRITE_BATCH);
        const [sources, vectors] = await Promise.all([store.getMany(input.sourceIndex, ids, true), store.vectorsOf(input.sourceIndex, ids)]);
        const docs: VectorDocument[] = ids
          .filter((id) => sources.has(id) && vectors.has(id))
          .map((id) => {
            const source = sources.get(id)!;
            return {
              id,
              vector: oldToNew.apply(vectors.get(id)!),
              sourceHash: source.sourceHash,
              ...(source.metadata ? { metadata: source.metadata } : {}),
              ...(source.updatedAt ? { updatedAt: source.updatedAt } : {}),
              adapted: true,
            };
          });
        const { superseded } = await store.bulkUpsert(input.targetIndex, spec, docs, { guard: new Map(docs.map((d) => [d.id, null])) });
        // Written or superseded by a live write: either way the new index holds the document now.
        await quarantine.remove(
          input.workflowId,
          docs.map((d) => d.id),
        );
        adapted += docs.length - superseded.length;
      }
      return { candidates: candidates.length, adapted, adapter };
    },
  };
}
