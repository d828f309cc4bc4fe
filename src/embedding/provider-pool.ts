import type { Config } from '../config/env';
import type { LocalModel } from './local-model';
import type { ModelSpec } from './model-spec';
import { OpenAIProvider, type DeploymentChannel } from './openai-provider';
import { RateLimiter } from './rate-limiter';
import type { EmbeddingProvider } from './provider';
import { TransformersProvider, type TransformersSpec } from './transformers-provider';

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
    const shared = providers.every((p) => p instanceof TransformersProvider) ? await TransformersProvider.embedSharedQuery(providers, text) : null;
    if (shared) return shared;
    // One after the other: each run already uses every core.
    const vectors: Float32Array[] = [];
    for (const provider of providers) vectors.push((await provider.embed([text], 'query')).vectors[0]!);
    return vectors;
  }

  private load(spec: ModelSpec): Promise<EmbeddingProvider> {
    switch (spec.provider) {
      case 'transformers':
        return this.localModel(spec).then((model) => new TransformersProvider(spec, model));
      case 'openai':
        return Promise.resolve(new OpenAIProvider(spec, this.deploymentChannels(), { maxInputsPerRequest: this.config.openai.maxInputsPerRequest }));
    }
  }

  private localModel(spec: TransformersSpec): Promise<LocalModel> {
    return this.once(this.models, `${spec.model}@${spec.revision}/${spec.dtype}`, () => TransformersProvider.loadModel(spec, this.config.modelsDir));
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
