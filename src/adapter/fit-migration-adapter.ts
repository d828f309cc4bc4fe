import type { AdapterStore, AdapterSummary } from '../store/adapters.js';
import type { VectorIndexStore } from '../store/vector-index.js';
import { fitAdapter, type VectorPair } from './adapter-fit.js';

/** Documents drawn from the new index for a fit: enough for a stable 384×768 map, few enough to fit in seconds. */
export const ADAPTER_SAMPLE = 2_000;

export interface MigrationAdapterRequest {
  readonly collection: string;
  readonly sourceIndex: string;
  readonly targetIndex: string;
  readonly sourceSpecId: string;
  readonly targetSpecId: string;
  /** Each direction is used only when its held-out recall@10 reaches this. */
  readonly minRecall: number;
  readonly sample?: number;
}

/**
 * Fits the adapter between a migration's two indexes from documents both hold with model
 * vectors (adapted ones excluded), measures it on held-out documents and stores it.
 * Needs no model: the pairs are the vectors the two indexes already store.
 */
export async function fitMigrationAdapter(
  deps: { store: VectorIndexStore; adapters: AdapterStore },
  request: MigrationAdapterRequest,
): Promise<AdapterSummary> {
  const { store, adapters } = deps;
  const drawn = await store.sample(request.targetIndex, request.sample ?? ADAPTER_SAMPLE, 1);
  const ids = drawn.map((d) => d.id);
  const [news, olds] = await Promise.all([store.vectorsOf(request.targetIndex, ids), store.vectorsOf(request.sourceIndex, ids)]);
  const pairs: VectorPair[] = ids.filter((id) => news.has(id) && olds.has(id)).map((id) => ({ id, old: olds.get(id)!, new: news.get(id)! }));
  const fit = fitAdapter(pairs);
  const { sample: _sample, ...described } = request;
  return adapters.save({ ...described, fittedAt: new Date().toISOString(), report: fit.report }, fit);
}
