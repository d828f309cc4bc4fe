import { randomInt } from 'node:crypto';
import { fingerprint } from '../embedding/model-spec.js';
import { InvalidEmbeddingError } from '../embedding/provider.js';
import { cosine } from '../embedding/vector-math.js';
import {
  canaryThreshold,
  canaryVerdict,
  driftReport,
  healthProblems,
  type CanaryCheckInput,
  type CanaryComparison,
  type CanaryDrift,
  type CanaryResult,
} from './canary.js';
import type { Canary } from '../store/canaries.js';
import type { MigrationDeps } from '../activities/deps.js';

/**
 * Fixed canary texts: short and long, numbers, punctuation and non-ASCII, so a change in
 * tokenisation or truncation shows as well as one in the weights.
 */
export const FIXED_CANARY_TEXTS = [
  'The quick brown fox jumps over the lazy dog.',
  'How do I reset my password if I no longer have access to my email account?',
  'Quarterly revenue rose 12.5% to $4.2 billion, driven by cloud subscriptions and services.',
  'Patients with type 2 diabetes should monitor their blood glucose levels regularly.',
  'Élan vital, naïve café, Zürich, São Paulo — 東京 and Москва.',
  'Error 503: the upstream service is temporarily unavailable; retry with exponential backoff.',
  'In 1969 the Apollo 11 mission landed the first humans on the Moon.',
  'Embedding models map text to vectors so that similar meanings lie close together; ' +
    'a search engine then ranks documents by their distance to the query, and a migration ' +
    'between two models must re-embed every stored document because their spaces differ.',
] as const;

/** Documents sampled into a canary set (those with text; the fixed texts cover privacy-mode collections). */
const SAMPLED_DOCUMENTS = 24;
const EMBED_BATCH = 16;

/**
 * Takes a canary set of the collection's active index: the fixed texts embedded now with
 * the active spec, and documents sampled from the index with the vectors it stores.
 */
export async function captureCanarySet(deps: MigrationDeps, collection: string): Promise<Canary[]> {
  const { registry, catalog, store, providers, canaries } = deps;
  const record = await registry.get(collection);
  const spec = catalog.get(record.activeSpecId);
  const index = record.activeIndex;
  const sampled = (await store.sample(index, SAMPLED_DOCUMENTS * 2, randomInt(2 ** 31))).filter((d) => d.content?.trim()).slice(0, SAMPLED_DOCUMENTS);
  const stored = await store.vectorsOf(
    index,
    sampled.map((d) => d.id),
  );
  const fixed = (await (await providers.get(spec)).embed(FIXED_CANARY_TEXTS, 'document')).vectors;
  const common = { index, specId: spec.id, fingerprint: fingerprint(spec), capturedAt: new Date().toISOString() };
  const set: Omit<Canary, 'kind' | 'collection'>[] = [
    ...FIXED_CANARY_TEXTS.map((text, i) => ({ ...common, canaryId: `fixed-${i}`, source: 'fixed' as const, text, vector: Array.from(fixed[i]!) })),
    ...sampled
      .filter((d) => stored.has(d.id))
      .map((d) => ({ ...common, canaryId: `doc-${d.id}`, source: 'document' as const, text: d.content!, vector: stored.get(d.id)! })),
  ];
  await canaries.replaceSet(collection, set);
  return set.map((c) => ({ kind: 'canary', collection, ...c }));
}

/** Each canary's cosine between its stored vector and a fresh one; a vector the spec refuses counts as 0. */
async function compare(deps: MigrationDeps, set: readonly Canary[], specId: string): Promise<CanaryComparison[]> {
  const provider = await deps.providers.get(deps.catalog.get(specId));
  const comparisons: CanaryComparison[] = [];
  for (let i = 0; i < set.length; i += EMBED_BATCH) {
    const batch = set.slice(i, i + EMBED_BATCH);
    let fresh: (Float32Array | null)[];
    try {
      fresh = (
        await provider.embed(
          batch.map((c) => c.text),
          'document',
        )
      ).vectors;
    } catch (error) {
      if (!(error instanceof InvalidEmbeddingError)) throw error;
      fresh = batch.map(() => null);
    }
    batch.forEach((c, j) => comparisons.push({ id: c.canaryId, source: c.source, cosine: fresh[j] ? cosine(c.vector, fresh[j]) : 0 }));
  }
  return comparisons;
}

export function createCanaryActivities(deps: MigrationDeps) {
  const { registry, catalog, store, aliases, canaries } = deps;
  return {
    /**
     * Samples a new canary set from the index the alias now points to, after a cutover or a
     * rollback. The workflow runs it as an activity of its own and goes on if it fails: the
     * alias has moved, and the next canary check captures a set when it finds none.
     */
    async captureCanaries(input: { collection: string }): Promise<number> {
      return (await captureCanarySet(deps, input.collection)).length;
    },

    /** One canary check: drift of the canary set, health of the collection; the result is kept for `canary status`. */
    async checkCanaries(input: CanaryCheckInput): Promise<CanaryResult> {
      const { collection } = input;
      const checkedAt = new Date().toISOString();
      const record = await registry.get(collection);
      const spec = catalog.get(record.activeSpecId);
      const index = record.activeIndex;
      const [aliasTargets, indexExists, history] = await Promise.all([aliases.targets(collection), store.exists(index), canaries.history(collection)]);
      const [documents, mappingDims] = indexExists ? await Promise.all([store.count(index), store.vectorDims(index)]) : [null, null];

      let set = (await canaries.set(collection)).filter((c) => c.index === index);
      const captured = set.length === 0 && indexExists;
      if (captured) set = await captureCanarySet(deps, collection);
      let drift: CanaryDrift | null = null;
      if (!captured && set.length > 0) {
        const threshold = input.minCosine ?? canaryThreshold(spec);
        const first = set[0]!;
        drift = driftReport(await compare(deps, set, spec.id), threshold, {
          captured: first.fingerprint,
          now: fingerprint(spec),
          capturedAt: first.capturedAt,
        });
      }

      const previousDocuments = history?.latest.health.activeIndex === index ? history.latest.health.documents : null;
      const observed = { activeIndex: index, aliasTargets, indexExists, documents, previousDocuments, mappingDims, specDims: spec.dimensions };
      const health = { ...observed, problems: healthProblems(observed, input.maxDocumentDrop) };
      const result: CanaryResult = { collection, checkedAt, activeSpecId: spec.id, drift, captured, health, ...canaryVerdict(drift, health) };
      await canaries.recordResult(result);
      return result;
    },
  };
}
