import { loadOptional } from '../optional-dependency.js';
import type { Config } from '../config/env.js';
import type { LocalModel } from './local-model.js';
import { LruCache } from './lru-cache.js';
import { QueryThread } from './query-thread.js';
import { queryDtypeOf, type LocalDtype, type ModelSpec } from './model-spec.js';
import type { DeploymentChannel } from './deployment-failover.js';
import { RateLimiter } from './rate-limiter.js';
import type { EmbeddingProvider } from './provider.js';
import type { TransformersProvider, TransformersSpec } from './transformers-provider.js';

// The runtimes (onnxruntime and transformers, the openai client and its tokenizer) load on
// first use: a process that never embeds (the CLI's status, list, approve) never pays for them.
// They are optional peer dependencies: a missing one fails with the npm install that brings it.
const transformers = () => loadOptional('A local model spec (transformers.js)', ['@huggingface/transformers'], () => import('./transformers-provider.js'));
const openai = () => loadOptional('An OpenAI spec', ['openai', 'gpt-tokenizer'], () => import('./openai-provider.js'));

/**
 * Query vectors kept per spec. Search traffic repeats itself (the same popular queries, a
 * user paging through results), and a merged search during a migration embeds each query
 * twice; a repeat costs a map lookup instead of a forward pass or a paid request.
 */
export const QUERY_CACHE_SIZE = 2_000;

/**
 * One loaded provider per spec per process, and one copy of each set of local weights
 * however many specs read it: loading a model takes a few hundred milliseconds and its
 * weights stay in memory, so every activity shares them.
 */
export class ProviderPool {
  private readonly loaded = new Map<string, Promise<EmbeddingProvider>>();
  private readonly models = new Map<string, Promise<LocalModel>>();
  private channels?: DeploymentChannel[];
  private readonly queryVectors = new Map<string, LruCache<string, Float32Array>>();
  private readonly threads = new Map<string, QueryThread>();

  /** `queryCacheSize` 0 turns the query-vector cache off (benchmarks measure the forward pass). */
  constructor(
    private readonly config: Pick<Config, 'modelsDir' | 'openai'>,
    private readonly options: { queryCacheSize?: number } = {},
  ) {}

  get(spec: ModelSpec): Promise<EmbeddingProvider> {
    return this.once(this.loaded, spec.id, () => this.load(spec));
  }

  /**
   * The query's vector in each spec, in order. Cached vectors are reused; specs sharing
   * local weights share one forward pass; different models are asked at once: API requests
   * overlap, and the first local model runs on this thread while each other one runs in
   * its own query thread (docs/measurements.md, "Query threads and query precision").
   */
  async embedQuery(specs: readonly ModelSpec[], text: string): Promise<Float32Array[]> {
    const cached = specs.map((spec) => this.queryCache(spec).get(text));
    const missing = specs.filter((_, i) => !cached[i]);
    const computed = missing.length === 0 ? [] : await this.computeQuery(missing, text);
    missing.forEach((spec, i) => this.queryCache(spec).set(text, computed[i]!));
    return specs.map((spec, i) => cached[i] ?? computed[missing.indexOf(spec)]!);
  }

  private async computeQuery(specs: readonly ModelSpec[], text: string): Promise<Float32Array[]> {
    const local = specs.filter((s): s is TransformersSpec => s.provider === 'transformers');
    const first = local[0];
    if (first && local.length === specs.length && local.every((s) => queryWeightsKey(s) === queryWeightsKey(first) && s.queryPrefix === first.queryPrefix)) {
      const providers = (await Promise.all(specs.map((spec) => this.get(spec)))) as TransformersProvider[];
      const shared = await (await transformers()).TransformersProvider.embedSharedQuery(providers, text);
      if (shared) return shared;
    }
    // Threads are asked first: a forward pass on this thread holds it until the pass ends.
    const threaded = new Map(local.slice(1).map((spec) => [spec as ModelSpec, this.queryThread(spec).embed(text)]));
    return Promise.all(specs.map(async (spec) => threaded.get(spec) ?? (await (await this.get(spec)).embed([text], 'query')).vectors[0]!));
  }

  private queryThread(spec: TransformersSpec): QueryThread {
    let thread = this.threads.get(spec.id);
    if (!thread || thread.failure) {
      thread = new QueryThread(spec, this.config.modelsDir);
      this.threads.set(spec.id, thread);
    }
    return thread;
  }

  /** Stops the query threads (loaded models stay until the process ends). */
  async close(): Promise<void> {
    await Promise.all([...this.threads.values()].map((thread) => thread.close()));
    this.threads.clear();
  }

  private queryCache(spec: ModelSpec): LruCache<string, Float32Array> {
    let cache = this.queryVectors.get(spec.id);
    if (!cache) {
      cache = new LruCache(this.options.queryCacheSize ?? QUERY_CACHE_SIZE);
      this.queryVectors.set(spec.id, cache);
    }
    return cache;
  }

  private async load(spec: ModelSpec): Promise<EmbeddingProvider> {
    switch (spec.provider) {
      case 'transformers': {
        const { TransformersProvider } = await transformers();
        return new TransformersProvider(spec, await this.localModel(spec, queryDtypeOf(spec)), () => this.localModel(spec, spec.dtype));
      }
      case 'openai': {
        const { OpenAIProvider } = await openai();
        return new OpenAIProvider(spec, this.deploymentChannels(), { maxInputsPerRequest: this.config.openai.maxInputsPerRequest });
      }
    }
  }

  private localModel(spec: TransformersSpec, dtype: LocalDtype): Promise<LocalModel> {
    return this.once(this.models, weightsKey(spec, dtype), async () =>
      (await transformers()).TransformersProvider.loadModel(spec, this.config.modelsDir, dtype),
    );
  }

  /** One limiter per deployment, shared by every spec and activity of this process. */
  private deploymentChannels(): DeploymentChannel[] {
    const { deployments, maxConcurrency } = this.config.openai;
    this.channels ??= deployments.map((deployment) => ({
      deployment,
      limiter: new RateLimiter({ ...(deployment.rpm ? { rpm: deployment.rpm } : {}), ...(deployment.tpm ? { tpm: deployment.tpm } : {}), maxConcurrency }),
    }));
    return this.channels;
  }

  /** A failed load is forgotten so the next call retries it. */
  private once<T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
    let value = cache.get(key);
    if (!value) {
      value = load();
      cache.set(key, value);
      value.catch(() => cache.delete(key));
    }
    return value;
  }
}

const weightsKey = (spec: TransformersSpec, dtype: LocalDtype) => `${spec.model}@${spec.revision}/${dtype}`;
/** Specs with the same key run queries through the same weights. */
const queryWeightsKey = (spec: TransformersSpec) => weightsKey(spec, queryDtypeOf(spec));
