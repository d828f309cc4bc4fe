import type { ProviderPool } from '../embedding/provider-pool.js';
import type { SpecCatalog } from '../embedding/spec-catalog.js';
import type { AdapterStore, AdapterSummary } from '../store/adapters.js';
import type { GoldenQueryStore } from '../store/golden-queries.js';
import type { VectorIndexStore } from '../store/vector-index.js';
import { fitAdapter, type AdapterFit, type VectorPair } from './adapter-fit.js';
import { DEFAULT_MIN_AGREEMENT, judgeOnAgreement, judgeOnLabels, type AdapterJudgement } from './adapter-judgement.js';
import { labelledOutcomes } from './labelled-outcomes.js';

/** Documents drawn from the new index for a fit: enough for a stable 384×768 map, few enough to fit in seconds. */
export const ADAPTER_SAMPLE = 2_000;

export interface MigrationAdapterRequest {
  readonly collection: string;
  readonly sourceIndex: string;
  readonly targetIndex: string;
  readonly sourceSpecId: string;
  readonly targetSpecId: string;
  /** Judge both directions on held-out agreement with this minimum, even when labels exist (`--min-adapter-recall`). */
  readonly minRecall?: number | undefined;
  /** The largest tolerated drop of nDCG@10 against the alternative, as a share of it (the quality gate's margin). */
  readonly maxDrop: number;
  /** Documents only the old index holds with a vector: what adapted documents would carry across. */
  readonly withoutText?: readonly string[];
  readonly sample?: number;
}

export interface AdapterFitDeps {
  readonly store: VectorIndexStore;
  readonly adapters: AdapterStore;
  readonly golden: GoldenQueryStore;
  readonly providers: ProviderPool;
  readonly catalog: SpecCatalog;
}

/** Each direction judged against what the user would get without it: on labels when the collection has them. */
async function judge(
  deps: AdapterFitDeps,
  request: MigrationAdapterRequest,
  fit: AdapterFit,
): Promise<{ documents: AdapterJudgement; queries: AdapterJudgement }> {
  const { recall } = fit.report;
  if (request.minRecall !== undefined) {
    return {
      documents: judgeOnAgreement(recall.documents, request.minRecall, 'override'),
      queries: judgeOnAgreement(recall.queries, request.minRecall, 'override'),
    };
  }
  const target = deps.catalog.get(request.targetSpecId);
  const embedQuery = async (text: string) => (await deps.providers.embedQuery([target], text))[0]!;
  const outcomes = await labelledOutcomes({ ...deps, embedQuery }, { ...request, withoutText: request.withoutText ?? [] }, fit);
  const documents = outcomes && judgeOnLabels(outcomes.documents, request.maxDrop, 'without the documents that have no text');
  const queries = outcomes && judgeOnLabels(outcomes.queries, request.maxDrop, 'searching the new index alone');
  return {
    documents: documents
      ? { ...documents, queriesWithRelevantOnlyInOld: outcomes!.queriesWithRelevantOnlyInOld }
      : judgeOnAgreement(recall.documents, DEFAULT_MIN_AGREEMENT, 'agreement'),
    queries: queries ?? judgeOnAgreement(recall.queries, DEFAULT_MIN_AGREEMENT, 'agreement'),
  };
}

/**
 * Fits the adapter between a migration's two indexes from documents both hold with model
 * vectors (adapted ones excluded), measures it on held-out documents, judges each direction
 * and stores it. The pairs are the vectors the two indexes already store, each embedded with
 * its own model's document prefix; only the labelled golden queries are embedded here.
 */
export async function fitMigrationAdapter(deps: AdapterFitDeps, request: MigrationAdapterRequest): Promise<AdapterSummary> {
  const { store, adapters } = deps;
  const drawn = await store.sample(request.targetIndex, request.sample ?? ADAPTER_SAMPLE, 1);
  const ids = drawn.map((d) => d.id);
  const [news, olds] = await Promise.all([store.vectorsOf(request.targetIndex, ids), store.vectorsOf(request.sourceIndex, ids)]);
  const pairs: VectorPair[] = ids.filter((id) => news.has(id) && olds.has(id)).map((id) => ({ id, old: olds.get(id)!, new: news.get(id)! }));
  const fit = fitAdapter(pairs);
  const judgement = await judge(deps, request, fit);
  const { sample: _sample, withoutText: _withoutText, maxDrop: _maxDrop, minRecall, ...described } = request;
  return adapters.save({ ...described, minRecall: minRecall ?? DEFAULT_MIN_AGREEMENT, fittedAt: new Date().toISOString(), report: fit.report, judgement }, fit);
}
