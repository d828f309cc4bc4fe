import OpenAI from 'openai';
import { z } from 'zod';
import type { ModelSpec } from './model-spec';
import { checkVector, InvalidEmbeddingError, type EmbeddingPurpose, type EmbeddingProvider, type Embeddings } from './provider';

type OpenAISpec = Extract<ModelSpec, { provider: 'openai' }>;

/** The embeddings API's per-request limits. */
export const OPENAI_LIMITS = { maxInputs: 2048, maxTokensPerRequest: 300_000 } as const;
/**
 * Without the model's tokenizer we budget 3 characters per token: English averages ~4,
 * so a text cut at maxTokens × 3 characters stays under the model's input limit.
 */
const CHARS_PER_TOKEN_BOUND = 3;

/** A provider misconfiguration (key, model, endpoint) that no retry can fix. */
export class ProviderConfigError extends Error {
  override readonly name = 'ProviderConfigError';
}

const responseSchema = z.object({
  data: z.array(z.object({ index: z.int().nonnegative(), embedding: z.array(z.number()) })),
  usage: z.object({ prompt_tokens: z.int().nonnegative() }),
});

/**
 * The real `openai` client against any OpenAI-compatible endpoint (`baseURL`). Batches stay
 * within the API's per-request limits; 3-series models get `dimensions` from the spec.
 * Transient failures (429, 5xx, timeouts) propagate for the activity's retry policy.
 */
export class OpenAIProvider implements EmbeddingProvider {
  private readonly client: OpenAI;

  constructor(
    readonly spec: OpenAISpec,
    endpoint: { baseURL: string; apiKey?: string },
    private readonly limits: { maxInputs: number; maxTokensPerRequest: number } = OPENAI_LIMITS,
  ) {
    if (!endpoint.apiKey) {
      throw new ProviderConfigError(`Spec ${spec.id} uses the OpenAI provider but OPENAI_API_KEY is not set. Set it (and OPENAI_BASE_URL for a compatible endpoint).`);
    }
    // Retries belong to the Temporal activity (durable, visible); the client fails fast.
    this.client = new OpenAI({ apiKey: endpoint.apiKey, baseURL: endpoint.baseURL, maxRetries: 0, timeout: 60_000 });
  }

  async embed(texts: readonly string[], purpose: EmbeddingPurpose): Promise<Embeddings> {
    const prefix = purpose === 'query' ? this.spec.queryPrefix : this.spec.documentPrefix;
    const maxChars = this.spec.maxTokens * CHARS_PER_TOKEN_BOUND;
    const inputs = texts.map((text, i) => {
      if (text.trim() === '') throw new InvalidEmbeddingError(`text #${i} is empty; there is nothing to embed`);
      return (prefix + text).slice(0, maxChars);
    });
    const vectors: Float32Array[] = [];
    let tokens = 0;
    for (const batch of this.batches(inputs)) {
      const result = await this.request(batch);
      vectors.push(...result.vectors);
      tokens += result.tokens;
    }
    vectors.forEach((v, i) => checkVector(this.spec, v, `text #${i}`));
    return { vectors, tokens };
  }

  /** Splits inputs so no request exceeds the input count or (bounded) token limit. */
  private *batches(inputs: string[]): Generator<string[]> {
    let batch: string[] = [];
    let budget = 0;
    for (const input of inputs) {
      const cost = Math.ceil(input.length / CHARS_PER_TOKEN_BOUND) + 1;
      if (batch.length > 0 && (batch.length >= this.limits.maxInputs || budget + cost > this.limits.maxTokensPerRequest)) {
        yield batch;
        batch = [];
        budget = 0;
      }
      batch.push(input);
      budget += cost;
    }
    if (batch.length > 0) yield batch;
  }

  private async request(batch: string[]): Promise<{ vectors: Float32Array[]; tokens: number }> {
    let raw: unknown;
    try {
      raw = await this.client.embeddings.create({
        model: this.spec.model,
        input: batch,
        encoding_format: 'float',
        ...(this.spec.model.startsWith('text-embedding-3') ? { dimensions: this.spec.dimensions } : {}),
      });
    } catch (error) {
      throw this.classify(error);
    }
    const parsed = responseSchema.safeParse(raw);
    if (!parsed.success) throw new Error(`${this.spec.id}: the embeddings endpoint returned a malformed reply (${parsed.error.issues[0]?.message}); will retry`);
    const { data, usage } = parsed.data;
    if (data.length !== batch.length) throw new Error(`${this.spec.id}: asked for ${batch.length} embeddings, got ${data.length}; will retry`);
    const ordered = [...data].sort((a, b) => a.index - b.index);
    return { vectors: ordered.map((d) => Float32Array.from(d.embedding)), tokens: usage.prompt_tokens };
  }

  private classify(error: unknown): Error {
    if (error instanceof OpenAI.AuthenticationError || error instanceof OpenAI.PermissionDeniedError) {
      return new ProviderConfigError(`${this.spec.id}: the endpoint refused our API key (${error.status}: ${error.message}). Fix OPENAI_API_KEY and resume.`);
    }
    if (error instanceof OpenAI.NotFoundError) {
      return new ProviderConfigError(`${this.spec.id}: the endpoint does not know model "${this.spec.model}" (${error.message}). Fix the model spec or OPENAI_BASE_URL.`);
    }
    if (error instanceof OpenAI.BadRequestError || error instanceof OpenAI.UnprocessableEntityError) {
      // A 400 names this batch's input; the caller splits the batch to find the document.
      return new InvalidEmbeddingError(`${this.spec.id} rejected the input: ${error.message}`);
    }
    return error as Error;
  }
}
