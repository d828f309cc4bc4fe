import type { Config } from '../config/env';
import type { ModelSpec } from './model-spec';
import { OpenAIProvider } from './openai-provider';
import type { EmbeddingProvider } from './provider';
import { TransformersProvider } from './transformers-provider';

/**
 * One loaded provider per spec per process: loading a model takes a few hundred
 * milliseconds and its weights stay in memory, so every activity shares it.
 */
export class ProviderPool {
  private readonly loaded = new Map<string, Promise<EmbeddingProvider>>();

  constructor(private readonly config: Pick<Config, 'modelsDir' | 'openai'>) {}

  get(spec: ModelSpec): Promise<EmbeddingProvider> {
    let provider = this.loaded.get(spec.id);
    if (!provider) {
      provider = this.load(spec);
      this.loaded.set(spec.id, provider);
      provider.catch(() => this.loaded.delete(spec.id));
    }
    return provider;
  }

  private load(spec: ModelSpec): Promise<EmbeddingProvider> {
    switch (spec.provider) {
      case 'transformers':
        return TransformersProvider.load(spec, this.config.modelsDir);
      case 'openai':
        return Promise.resolve(new OpenAIProvider(spec, this.config.openai));
    }
  }
}
