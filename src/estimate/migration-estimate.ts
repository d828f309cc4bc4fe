import type { Client } from '@elastic/elasticsearch';
import type { Config } from '../config/env.js';
import type { ModelSpec } from '../embedding/model-spec.js';
import { OPENAI_LIMITS, requestTokenCap } from '../embedding/openai-limits.js';
import type { EmbeddingProvider } from '../embedding/provider.js';
import type { StoredDocument } from '../store/stored-document.js';
import type { VectorIndexStore } from '../store/vector-index.js';
import { estimateIndexBytes, usableBytes, type DiskEstimate } from './disk-estimate.js';

export interface MigrationEstimate {
  readonly specId: string;
  readonly documents: number;
  /** Tokens that will be sent: each text counted with the target model's tokenizer, cut at its limit. */
  readonly tokens: number;
  /** Documents longer than the spec's token limit (they are truncated, not refused). */
  readonly truncated: number;
  /** Documents with no text (they will be quarantined). */
  readonly withoutText: number;
  readonly pricePerMillionTokens: number;
  readonly costUsd: number;
  /** The same tokens through the OpenAI Batch API (`--batch-api`); absent for specs it does not serve. */
  readonly batch?: { readonly pricePerMillionTokens: number; readonly costUsd: number; readonly durationBand: string };
  /** Null when nothing bounds the rate (a paid API without configured limits). */
  readonly durationMs: number | null;
  readonly durationBasis: string;
  readonly disk: DiskEstimate & { readonly usableBytes: number; readonly availableBytes: number; readonly fits: boolean };
  /**
   * Set when the source was too large to read whole: how many documents drawn at random the
   * tokens, truncations and documents without text were scaled up from (the count is exact).
   */
  readonly sampled?: number;
}

/** Sources above this many documents are estimated from a random sample rather than read whole. */
export const SAMPLE_ABOVE = 50_000;
export const SAMPLE_SIZE = 10_000;

const PAGE = 500;
/** Documents embedded to measure a local model's throughput on this machine. */
const THROUGHPUT_SAMPLE = 32;

export function priceFor(spec: ModelSpec, config: Pick<Config, 'prices'>): number {
  return config.prices[spec.id] ?? spec.pricePerMillionTokens;
}

/** What the Batch API charges, where it serves the spec: REEMBED_PRICES' batch price, else OpenAI's half price. */
export function batchPriceFor(spec: ModelSpec, config: Pick<Config, 'prices' | 'batchPrices'>): number | null {
  if (spec.provider !== 'openai') return null;
  return config.batchPrices[spec.id] ?? priceFor(spec, config) / 2;
}

/**
 * The Batch API promises completion within its 24-hour window and usually finishes much
 * sooner; how much sooner depends on OpenAI's load, not on anything measurable here.
 */
export const BATCH_DURATION_BAND = 'minutes to 24 hours per batch (OpenAI completes within its 24h window; hot-first and catch-up stay synchronous)';

/**
 * What moving `sourceIndex` to `spec` will take: tokens (the target model's tokenizer over
 * every stored text, or over a random sample of a large source, scaled up), cost, duration (configured rate limits, or a throughput measured
 * here for a local model), and the new index's size on disk against the free space.
 */
export async function estimateMigration(
  deps: { es: Client; store: VectorIndexStore; config: Pick<Config, 'prices' | 'batchPrices' | 'openai'> },
  input: {
    sourceIndex: string;
    sourceSpec: ModelSpec;
    spec: ModelSpec;
    provider: EmbeddingProvider;
    onPage?: (scanned: number) => void;
    /** Sample instead of reading every document above this count (default SAMPLE_ABOVE). */
    sampleAbove?: number;
    sampleSize?: number;
  },
): Promise<MigrationEstimate> {
  const { spec, provider } = input;
  // The scan is a search: without a refresh, documents written in the last second are not counted.
  await deps.store.refresh(input.sourceIndex);
  const count = await deps.store.count(input.sourceIndex);
  const sampled = count > (input.sampleAbove ?? SAMPLE_ABOVE);
  const tally = { documents: 0, tokens: 0, truncated: 0, withoutText: 0, texts: [] as string[] };
  const add = (page: readonly StoredDocument[]) => {
    const texts = page.flatMap((d) => (d.content && d.content.trim() !== '' ? [d.content] : []));
    tally.withoutText += page.length - texts.length;
    for (const n of provider.countTokens(texts, 'document')) {
      tally.tokens += Math.min(n, spec.maxTokens);
      if (n > spec.maxTokens) tally.truncated++;
    }
    for (const t of texts) if (tally.texts.length < THROUGHPUT_SAMPLE) tally.texts.push(t);
    tally.documents += page.length;
    input.onPage?.(tally.documents);
  };
  if (sampled) add(await deps.store.sample(input.sourceIndex, Math.min(input.sampleSize ?? SAMPLE_SIZE, 10_000), 7));
  else {
    for (let after: string | null = null; ;) {
      const page = await deps.store.scan(input.sourceIndex, after, PAGE);
      if (page.length === 0) break;
      after = page[page.length - 1]!.id;
      add(page);
    }
  }
  // A sample's figures, scaled to the whole source; a full read's as they are.
  const scale = (x: number) => (sampled ? Math.round((x / tally.documents) * count) : x);
  const documents = sampled ? count : tally.documents;
  const tokens = scale(tally.tokens);
  const truncated = scale(tally.truncated);
  const withoutText = scale(tally.withoutText);
  const sample = tally.texts;
  const pricePerMillionTokens = priceFor(spec, deps.config);
  const batchPrice = batchPriceFor(spec, deps.config);
  const { durationMs, durationBasis } = await estimateDuration(spec, provider, deps.config, { documents, tokens, sample });
  return {
    specId: spec.id,
    documents,
    tokens,
    truncated,
    withoutText,
    pricePerMillionTokens,
    costUsd: (tokens / 1_000_000) * pricePerMillionTokens,
    ...(batchPrice === null
      ? {}
      : { batch: { pricePerMillionTokens: batchPrice, costUsd: (tokens / 1_000_000) * batchPrice, durationBand: BATCH_DURATION_BAND } }),
    durationMs,
    durationBasis,
    disk: await estimateDisk(deps.es, input.sourceIndex, input.sourceSpec, spec, documents),
    ...(sampled ? { sampled: tally.documents } : {}),
  };
}

async function estimateDuration(
  spec: ModelSpec,
  provider: EmbeddingProvider,
  config: Pick<Config, 'openai'>,
  corpus: { documents: number; tokens: number; sample: string[] },
): Promise<{ durationMs: number | null; durationBasis: string }> {
  if (spec.provider === 'openai') {
    const primary = config.openai.deployments[0];
    if (!primary?.rpm && !primary?.tpm) return { durationMs: null, durationBasis: 'no rate limits configured (set OPENAI_RPM / OPENAI_TPM)' };
    // Requests as the provider will cut them: by input count and by tokens per request.
    const perRequest = Math.min(config.openai.maxInputsPerRequest, OPENAI_LIMITS.maxInputs);
    const requests = Math.max(Math.ceil(corpus.documents / perRequest), Math.ceil(corpus.tokens / requestTokenCap(spec, primary.tpm)));
    const minutes = Math.max(primary.tpm ? corpus.tokens / primary.tpm : 0, primary.rpm ? requests / primary.rpm : 0);
    return {
      durationMs: Math.round(minutes * 60_000),
      durationBasis: `rate limits of ${primary.name}: ${primary.rpm ?? '∞'} requests/min, ${primary.tpm ?? '∞'} tokens/min`,
    };
  }
  if (corpus.sample.length === 0) return { durationMs: 0, durationBasis: 'nothing to embed' };
  const started = performance.now();
  const { tokens } = await provider.embed(corpus.sample, 'document');
  const tokensPerSecond = tokens / ((performance.now() - started) / 1000);
  return {
    durationMs: Math.round((corpus.tokens / tokensPerSecond) * 1000),
    durationBasis: `local throughput measured on ${corpus.sample.length} documents: ${Math.round(tokensPerSecond)} tokens/s on this machine`,
  };
}

async function estimateDisk(es: Client, sourceIndex: string, sourceSpec: ModelSpec, spec: ModelSpec, documents: number): Promise<MigrationEstimate['disk']> {
  const [stats, nodes] = await Promise.all([es.indices.stats({ index: sourceIndex, metric: ['store', 'docs'] }), es.nodes.stats({ metric: ['fs'] })]);
  const source = Object.values(stats.indices ?? {})[0]?.primaries;
  const sourceDocs = source?.docs?.count ?? 0;
  // Whatever the source stores besides its vectors (text, metadata, ids) the target stores too.
  const sourceVectors = estimateIndexBytes(sourceDocs, sourceSpec.dimensions, sourceSpec.indexOptions, 0).totalBytes;
  const otherPerDoc = sourceDocs === 0 ? 0 : Math.max(0, ((source?.store?.size_in_bytes ?? 0) - sourceVectors) / sourceDocs);
  const estimate = estimateIndexBytes(documents, spec.dimensions, spec.indexOptions, otherPerDoc);
  const fs = Object.values(nodes.nodes).reduce(
    (sum, node) => ({
      availableBytes: sum.availableBytes + (node.fs?.total?.available_in_bytes ?? 0),
      totalBytes: sum.totalBytes + (node.fs?.total?.total_in_bytes ?? 0),
    }),
    { availableBytes: 0, totalBytes: 0 },
  );
  const usable = usableBytes(fs);
  return { ...estimate, availableBytes: fs.availableBytes, usableBytes: usable, fits: estimate.totalBytes <= usable };
}
