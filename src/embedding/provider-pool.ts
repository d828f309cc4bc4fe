import type { Config } from '../config/env.js';
import type { LocalModel } from './local-model.js';
import type { ModelSpec } from './model-spec.js';
import type { DeploymentChannel } from './openai-provider.js';
import { RateLimiter } from './rate-limiter.js';
import type { EmbeddingProvider } from './provider.js';
import type { TransformersSpec } from './transformers-provider.js';

// The runtimes (onnxruntime and transformers, the openai client and its tokenizer) load on
// first use: a process that never embeds (the CLI's status, list, approve) never pays for them.
const transformers = () => import('./transformers-provider.js');
const openai = () => import('./openai-provider.js');

/**
 * One loaded provider per spec per process, and one copy of each set of local weights
 * however many specs read it: loading a model takes a few hundred milliseconds and its
 * weights stay in memory, so every activity shares them.
 */
export class ProviderPool {
  private readonly loaded = new Map<string, Promise<EmbeddingProvider>>();
  private readonly models = new Map<string, Promise<LocalModel>>();
  private channels?: DeploymentChannel[];

  constructor(private readonly config: Pick<Config, 'modelsDir' | 'openai'>) {}

  get(spec: ModelSpec): Promise<EmbeddingProvider> {
    return this.once(this.loaded, spec.id, () => this.load(spec));
  }

  /** The query's vector in each spec, in order; specs sharing local weights share one forward pass. */
  async embedQuery(specs: readonly ModelSpec[], text: string): Promise<Float32Array[]> {
    const providers = await Promise.all(specs.map((spec) => this.get(spec)));
    const shared = specs.every((s) => s.provider === 'transformers') ? await this.embedSharedQuery(providers, text) : null;
    if (shared) return shared;
    // One after the other: each run already uses every core.
    const vectors: Float32Array[] = [];
    for (const provider of providers) vectors.push((await provider.embed([text], 'query')).vectors[0]!);
    return vectors;
  }

  /** Local specs reading the same weights share one forward pass for a query. */
  private async embedSharedQuery(providers: readonly EmbeddingProvider[], text: string): Promise<Float32Array[] | null> {
    const { TransformersProvider } = await transformers();
    const local = providers.filter((p) => p instanceof TransformersProvider);
    return local.length === providers.length ? TransformersProvider.embedSharedQuery(local, text) : null;
  }

  private async load(spec: ModelSpec): Promise<EmbeddingProvider> {
    switch (spec.provider) {
      case 'transformers': {
        const { TransformersProvider } = await transformers();
        return new TransformersProvider(spec, await this.localModel(spec));
      }
      case 'openai': {
        const { OpenAIProvider } = await openai();
        return new OpenAIProvider(spec, this.deploymentChannels(), { maxInputsPerRequest: this.config.openai.maxInputsPerRequest });
      }
    }
  }

  private localModel(spec: TransformersSpec): Promise<LocalModel> {
    return this.once(this.models, `${spec.model}@${spec.revision}/${spec.dtype}`, async () =>
      (await transformers()).TransformersProvider.loadModel(spec, this.config.modelsDir),
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
