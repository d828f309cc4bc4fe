import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * A model spec pins everything that changes a vector. Two specs with the same
 * fingerprint produce vectors in the same space; anything else is a migration.
 */

export const similaritySchema = z.enum(['cosine', 'dot_product', 'l2_norm', 'max_inner_product']);

/**
 * Elasticsearch 9.1+ silently defaults 384+ dim vectors to bbq_hnsw (1-bit quantisation),
 * so every spec states its index options and the store always sends them.
 */
export const indexOptionsSchema = z.object({
  type: z.enum(['hnsw', 'int8_hnsw', 'int4_hnsw', 'bbq_hnsw', 'flat', 'int8_flat', 'int4_flat', 'bbq_flat']),
  m: z.int().positive().optional(),
  ef_construction: z.int().positive().optional(),
});

/** Which ONNX file of a local model: full precision, or its int8 (`model_quantized.onnx`) twin. */
const localDtypeSchema = z.enum(['fp32', 'q8']);

const commonSpec = {
  id: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,40}$/, 'lowercase letters, digits, dots and dashes (it becomes part of index names)'),
  description: z.string().optional(),
  model: z.string().min(1),
  revision: z.string().min(1),
  dimensions: z.int().min(1).max(4096),
  normalize: z.boolean(),
  maxTokens: z.int().positive(),
  truncation: z.enum(['end']).default('end'),
  similarity: similaritySchema,
  indexOptions: indexOptionsSchema,
  documentPrefix: z.string().default(''),
  queryPrefix: z.string().default(''),
  /** US dollars per million input tokens; cost estimates only, never part of the fingerprint. */
  pricePerMillionTokens: z.number().nonnegative().default(0),
  /**
   * The least cosine a canary text may have between its stored vector and a fresh one
   * before the spec counts as drifted (default: canaryThreshold). Not part of the fingerprint.
   */
  canaryMinCosine: z.number().min(0).max(1).optional(),
};

export const modelSpecSchema = z.discriminatedUnion('provider', [
  z.object({
    ...commonSpec,
    provider: z.literal('transformers'),
    pooling: z.enum(['mean', 'cls']),
    dtype: localDtypeSchema,
    /**
     * Weights for queries, when not `dtype`'s: 'q8' runs queries through the model's int8
     * file (a quarter of the weights to stream per query), one text per forward pass. Not
     * part of the fingerprint: stored vectors do not change, so it can be switched either
     * way on a live index (docs/measurements.md, "Query threads and query precision").
     */
    queryDtype: localDtypeSchema.optional(),
  }),
  z.object({
    ...commonSpec,
    provider: z.literal('openai'),
    pooling: z.literal('provider'),
  }),
]);

export type ModelSpec = z.infer<typeof modelSpecSchema>;
export type LocalDtype = z.infer<typeof localDtypeSchema>;

/** The weights a local spec's queries run through. */
export function queryDtypeOf(spec: Extract<ModelSpec, { provider: 'transformers' }>): LocalDtype {
  return spec.queryDtype ?? spec.dtype;
}
export type IndexOptions = z.infer<typeof indexOptionsSchema>;
export type Similarity = z.infer<typeof similaritySchema>;

/** Fields that do not change a stored vector: naming, prose, price, how the index stores it, the query weights. */
const NON_VECTOR_FIELDS = new Set(['id', 'description', 'pricePerMillionTokens', 'indexOptions', 'canaryMinCosine', 'queryDtype']);

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** sha256 of the canonical JSON of every vector-affecting field, first 16 hex digits. */
export function fingerprint(spec: ModelSpec): string {
  const vectorFields = Object.fromEntries(Object.entries(spec).filter(([k]) => !NON_VECTOR_FIELDS.has(k)));
  return createHash('sha256').update(canonicalJson(vectorFields)).digest('hex').slice(0, 16);
}

export function parseModelSpec(input: unknown, source: string): ModelSpec {
  const parsed = modelSpecSchema.safeParse(input);
  if (!parsed.success) {
    throw new Error(`Invalid model spec in ${source}:\n${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}
