import { heartbeat } from '@temporalio/activity';
import { loadSotuPassages, type SotuSelection } from '../corpus/sotu';
import { sourceHash } from '../corpus/source-hash';
import type { SpecCatalog } from '../embedding/spec-catalog';
import type { ProviderPool } from '../embedding/provider-pool';
import { BACKFILL_SETTINGS, SERVING_SETTINGS, versionedIndexName, type VectorIndexStore } from '../store/vector-index';

export interface ActivityDeps {
  readonly catalog: SpecCatalog;
  readonly providers: ProviderPool;
  readonly store: VectorIndexStore;
}

/** Thin adapters: each reads from the corpus, calls a provider and writes to the store. */
export function createIngestActivities({ catalog, providers, store }: ActivityDeps) {
  return {
    async prepareIngestIndex(input: { collection: string; specId: string; corpus: SotuSelection }) {
      const spec = catalog.get(input.specId);
      const index = versionedIndexName(input.collection, spec);
      await store.ensureIndex(index, spec, BACKFILL_SETTINGS);
      return { index, totalDocuments: loadSotuPassages(input.corpus).length };
    },

    async embedCorpusBatch(input: { index: string; specId: string; corpus: SotuSelection; offset: number; limit: number }) {
      const spec = catalog.get(input.specId);
      const batch = loadSotuPassages(input.corpus).slice(input.offset, input.offset + input.limit);
      heartbeat({ offset: input.offset });
      // Re-running an ingest only pays for documents whose text changed since they were embedded.
      const stored = await store.getMany(input.index, batch.map((d) => d.id), false);
      const docs = batch.map((d) => ({ ...d, sourceHash: sourceHash(d.text) })).filter((d) => stored.get(d.id)?.sourceHash !== d.sourceHash);
      const provider = await providers.get(spec);
      const { vectors, tokens } = await provider.embed(docs.map((d) => d.text), 'document');
      await store.bulkUpsert(
        input.index,
        spec,
        docs.map((d, i) => ({ id: d.id, vector: vectors[i]!, sourceHash: d.sourceHash, content: d.text, metadata: d.metadata })),
      );
      return { written: docs.length, unchanged: batch.length - docs.length, tokens };
    },

    async finishIngestIndex(input: { index: string }) {
      await store.updateSettings(input.index, SERVING_SETTINGS);
      await store.refresh(input.index);
      return { documents: await store.count(input.index) };
    },
  };
}

export type IngestActivities = ReturnType<typeof createIngestActivities>;
