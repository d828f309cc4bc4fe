import type { Client } from '@elastic/elasticsearch';
import type { ProviderPool } from '../embedding/provider-pool';
import type { SpecCatalog } from '../embedding/spec-catalog';
import type { CollectionRegistry } from '../registry/collection-registry';
import { VectorIndexStore, type SearchHit } from '../store/vector-index';

export interface CollectionHit extends SearchHit {
  /** The physical index and model spec that produced this hit. */
  readonly index: string;
  readonly specId: string;
}

/**
 * Searches a collection through its read alias with the active spec's query embedding.
 * The registry says which spec serves the alias, so queries and stored vectors always
 * share one space, before and after a cutover.
 */
export async function searchCollection(
  deps: { es: Client; registry: CollectionRegistry; catalog: SpecCatalog; providers: ProviderPool },
  collection: string,
  text: string,
  k: number,
): Promise<CollectionHit[]> {
  const record = await deps.registry.get(collection);
  const spec = deps.catalog.get(record.activeSpecId);
  const { vectors } = await (await deps.providers.get(spec)).embed([text], 'query');
  const hits = await new VectorIndexStore(deps.es).knnSearch(record.alias, vectors[0]!, k);
  return hits.map((hit) => ({ ...hit, index: record.activeIndex, specId: spec.id }));
}
