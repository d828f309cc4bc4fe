import OpenAI from 'openai';
import { z } from 'zod';
import type { OpenAIDeployment } from '../config/env.js';
import { ProviderConfigError } from '../errors.js';
import { float32FromBase64 } from './float32-base64.js';
import type { ModelSpec } from './model-spec.js';
import { OPENAI_LIMITS, requestTokenCap } from './openai-limits.js';
import { checkVector, InvalidEmbeddingError, prefixFor, type EmbeddingPurpose, type EmbeddingProvider, type Embeddings } from './provider.js';
import { DeploymentFailover, type DeploymentChannel } from './deployment-failover.js';
import { parseRateLimitHeaders, systemClock, type Clock } from './rate-limiter.js';
import { openAITokenCounter, tokenUpperBound, type TokenCounter } from './token-counter.js';

export type OpenAISpec = Extract<ModelSpec, { provider: 'openai' }>;

/** Attempts per request before the error goes to the activity's (durable) retry policy. */
const MAX_ATTEMPTS = 8;

const responseSchema = z.object({
  // base64 as asked for; a compatible server that ignores encoding_format answers with floats.
  data: z.array(z.object({ index: z.int().nonnegative(), embedding: z.union([z.string(), z.array(z.number())]) })),
  usage: z.object({ prompt_tokens: z.int().nonnegative() }),
});

export interface OpenAIProviderStats {
  readonly requests: Record<string, number>;
  readonly retries: number;
  readonly failovers: number;
}

/**
 * The real `openai` client against OpenAI-compatible endpoints. Inputs are counted and cut
 * with the model's own tokenizer (cl100k_base), grouped into requests within the API's and
 * the rate limit's bounds, and sent concurrently through each deployment's shared limiter.
 * Transient failures (429, 5xx, timeouts, resets, malformed replies) are retried here with
 * backoff and jitter — honouring `retry-after` — so one bad reply does not redo a batch;
 * a deployment that keeps failing rests while the next one serves. A refused key or an
 * unknown model is a ProviderConfigError; a 400 names the input (InvalidEmbeddingError).
 */
export class OpenAIProvider implements EmbeddingProvider {
  private readonly tokenizer: TokenCounter = openAITokenCounter();
  private readonly clients = new Map<OpenAIDeployment, OpenAI>();
  private readonly failover: DeploymentFailover;
  private retries = 0;
  private readonly requestsBy: Record<string, number> = {};

  constructor(
    readonly spec: OpenAISpec,
    private readonly channels: readonly DeploymentChannel[],
    private readonly options: { maxInputsPerRequest: number; clock?: Clock } = { maxInputsPerRequest: OPENAI_LIMITS.maxInputs },
  ) {
    if (channels.length === 0) throw new ProviderConfigError(`Spec ${spec.id} uses the OpenAI provider but no deployment is configured (OPENAI_BASE_URL).`);
    this.failover = new DeploymentFailover(channels);
  }

  countTokens(texts: readonly string[], purpose: EmbeddingPurpose): number[] {
    const prefix = prefixFor(this.spec, purpose);
    return texts.map((t) => this.tokenizer.count(prefix + t));
  }

  get stats(): OpenAIProviderStats {
    return { requests: { ...this.requestsBy }, retries: this.retries, failovers: this.failover.failovers };
  }

  async embed(texts: readonly string[], purpose: EmbeddingPurpose): Promise<Embeddings> {
    const prefix = prefixFor(this.spec, purpose);
    const metered = this.channels.some((c) => c.deployment.tpm !== undefined);
    let truncated = 0;
    const inputs = texts.map((text, i) => {
      if (text.trim() === '') throw new InvalidEmbeddingError(`text #${i} is empty; there is nothing to embed`);
      const full = prefix + text;
      // Counting is the worker's largest cost per document, so a text is counted only where a
      // decision needs its count: a tokens-per-minute budget, or a text that may exceed the
      // model's limit. Elsewhere the upper bound stands in: it proves the text fits, and can
      // only split a request sooner.
      const bound = tokenUpperBound(full);
      if (!metered && bound <= this.spec.maxTokens) return { text: full, tokens: bound };
      const tokens = this.tokenizer.count(full);
      if (tokens <= this.spec.maxTokens) return { text: full, tokens };
      truncated++;
      return { text: this.tokenizer.truncate(full, this.spec.maxTokens), tokens: this.spec.maxTokens };
    });
    const vectors: Float32Array[] = new Array(inputs.length);
    let tokens = 0;
    await Promise.all(
      this.requests(inputs).map(async ({ offset, batch }) => {
        const result = await this.send(
          batch.map((b) => b.text),
          batch.reduce((sum, b) => sum + b.tokens, 0),
        );
        result.vectors.forEach((v, i) => (vectors[offset + i] = v));
        tokens += result.tokens;
      }),
    );
    vectors.forEach((v, i) => checkVector(this.spec, v, `text #${i}`));
    return { vectors, tokens, truncated };
  }

  /** Groups inputs into requests within the input count and token bounds. */
  private requests(inputs: { text: string; tokens: number }[]): { offset: number; batch: typeof inputs }[] {
    const maxTokens = requestTokenCap(this.spec, Math.min(...this.channels.map((c) => c.deployment.tpm ?? Infinity)));
    const maxInputs = Math.min(OPENAI_LIMITS.maxInputs, this.options.maxInputsPerRequest);
    const out: { offset: number; batch: typeof inputs }[] = [];
    let current = { offset: 0, batch: [] as typeof inputs, tokens: 0 };
    inputs.forEach((input, i) => {
      if (current.batch.length > 0 && (current.batch.length >= maxInputs || current.tokens + input.tokens > maxTokens)) {
        out.push(current);
        current = { offset: i, batch: [], tokens: 0 };
      }
      current.batch.push(input);
      current.tokens += input.tokens;
    });
    if (current.batch.length > 0) out.push(current);
    return out;
  }

  private async send(batch: string[], tokens: number): Promise<{ vectors: Float32Array[]; tokens: number }> {
    const clock = this.options.clock ?? systemClock;
    for (let attempt = 1; ; attempt++) {
      const channel = this.failover.pick(clock.now());
      const release = await channel.limiter.acquire(tokens);
      let wait: number;
      try {
        this.requestsBy[channel.deployment.name] = (this.requestsBy[channel.deployment.name] ?? 0) + 1;
        const { data: raw, response } = await this.client(channel.deployment)
          .embeddings.create({
            model: this.spec.model,
            input: batch,
            // Little-endian float32 bytes: a quarter of the JSON floats' size, and no number parsing here.
            encoding_format: 'base64',
            ...(this.spec.model.startsWith('text-embedding-3') ? { dimensions: this.spec.dimensions } : {}),
          })
          .withResponse();
        channel.limiter.observe(parseRateLimitHeaders(response.headers));
        const result = this.parse(raw, batch.length);
        channel.limiter.succeeded();
        this.failover.succeeded(channel.deployment);
        return result;
      } catch (error) {
        const failure = this.classify(error);
        if (failure.permanent) throw failure.error;
        if (attempt >= MAX_ATTEMPTS) throw new Error(`${this.spec.id}: gave up after ${attempt} attempts: ${failure.error.message}`, { cause: error });
        const backoff = Math.min(30_000, 500 * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
        if (failure.throttle) {
          // The provider is healthy but busy: slow everyone down rather than fail over.
          wait = failure.retryAfterMs ?? backoff;
          channel.limiter.throttled(wait);
        } else {
          wait = backoff;
          this.failover.failed(channel.deployment, clock.now());
        }
        this.retries++;
      } finally {
        release();
      }
      // The limiter holds every request back for a throttle; other failures wait here.
      await clock.sleep(wait);
    }
  }

  private client(deployment: OpenAIDeployment): OpenAI {
    let client = this.clients.get(deployment);
    if (!client) {
      if (!deployment.apiKey) {
        throw new ProviderConfigError(
          `Spec ${this.spec.id} uses the OpenAI provider but no API key is set for ${deployment.name} (${deployment.baseURL}). Set OPENAI_API_KEY (or OPENAI_FALLBACK_API_KEY), restart the worker and resume.`,
        );
      }
      // Retries happen in send(), where they see the limiter; the client itself fails fast.
      client = new OpenAI({ apiKey: deployment.apiKey, baseURL: deployment.baseURL, maxRetries: 0, timeout: 60_000 });
      this.clients.set(deployment, client);
    }
    return client;
  }

  private parse(raw: unknown, expected: number): { vectors: Float32Array[]; tokens: number } {
    const parsed = responseSchema.safeParse(raw);
    if (!parsed.success)
      throw new MalformedReplyError(`${this.spec.id}: the embeddings endpoint returned a malformed reply (${parsed.error.issues[0]?.message})`);
    const { data, usage } = parsed.data;
    if (data.length !== expected) throw new MalformedReplyError(`${this.spec.id}: asked for ${expected} embeddings, got ${data.length}`);
    const ordered = [...data].sort((a, b) => a.index - b.index);
    return {
      vectors: ordered.map((d) => (typeof d.embedding === 'string' ? this.decode(d.embedding) : Float32Array.from(d.embedding))),
      tokens: usage.prompt_tokens,
    };
  }

  private decode(base64: string): Float32Array {
    const vector = float32FromBase64(base64);
    if (!vector) throw new MalformedReplyError(`${this.spec.id}: a base64 embedding that is not whole float32 values`);
    return vector;
  }

  private classify(error: unknown): { permanent: boolean; throttle?: boolean; retryAfterMs?: number; error: Error } {
    if (error instanceof ProviderConfigError) return { permanent: true, error };
    if (error instanceof OpenAI.AuthenticationError || error instanceof OpenAI.PermissionDeniedError) {
      return {
        permanent: true,
        error: new ProviderConfigError(
          `${this.spec.id}: the endpoint refused our API key (${error.status}: ${error.message}). Fix OPENAI_API_KEY, restart the worker and resume.`,
        ),
      };
    }
    if (error instanceof OpenAI.NotFoundError) {
      return {
        permanent: true,
        error: new ProviderConfigError(
          `${this.spec.id}: the endpoint does not know model "${this.spec.model}" (${error.message}). Fix the model spec or OPENAI_BASE_URL.`,
        ),
      };
    }
    if (error instanceof OpenAI.BadRequestError || error instanceof OpenAI.UnprocessableEntityError) {
      // A 400 names this batch's input; the caller embeds its texts one by one to find the document.
      return { permanent: true, error: new InvalidEmbeddingError(`${this.spec.id} rejected the input: ${error.message}`) };
    }
    if (error instanceof OpenAI.APIError && (error.status === 429 || error.status === 503)) {
      const { retryAfterMs } = parseRateLimitHeaders(error.headers);
      return { permanent: false, throttle: true, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}), error };
    }
    return { permanent: false, error: error instanceof Error ? error : new Error(String(error)) };
  }
}

class MalformedReplyError extends Error {
  override readonly name = 'MalformedReplyError';
}
