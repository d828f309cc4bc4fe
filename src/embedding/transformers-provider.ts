import {
  AutoModel,
  AutoTokenizer,
  env,
  mean_pooling,
  type PreTrainedModel,
  type PreTrainedTokenizer,
  type Tensor,
} from '@huggingface/transformers';
import type { ModelSpec } from './model-spec';
import { checkVector, InvalidEmbeddingError, type EmbeddingPurpose, type EmbeddingProvider, type Embeddings } from './provider';

type TransformersSpec = Extract<ModelSpec, { provider: 'transformers' }>;

/**
 * Runs a local ONNX model through transformers.js. The loading path is the ordinary
 * hub-compatible one; only the files come from a local folder (remote loading is off),
 * so nothing is ever downloaded at run time.
 */
export class TransformersProvider implements EmbeddingProvider {
  private constructor(
    readonly spec: TransformersSpec,
    private readonly tokenizer: PreTrainedTokenizer,
    private readonly model: PreTrainedModel,
  ) {}

  static async load(spec: TransformersSpec, modelsDir: string): Promise<TransformersProvider> {
    env.localModelPath = modelsDir.endsWith('/') ? modelsDir : `${modelsDir}/`;
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    try {
      const tokenizer = await AutoTokenizer.from_pretrained(spec.model);
      const model = await AutoModel.from_pretrained(spec.model, { dtype: spec.dtype });
      return new TransformersProvider(spec, tokenizer, model);
    } catch (cause) {
      throw new Error(
        `Could not load local model "${spec.model}" for spec ${spec.id} from ${modelsDir}: ${(cause as Error).message}. ` +
          'Run `npm run setup` to install the local models, or set REEMBED_MODELS_DIR to the folder that holds them.',
        { cause },
      );
    }
  }

  async embed(texts: readonly string[], purpose: EmbeddingPurpose): Promise<Embeddings> {
    if (texts.length === 0) return { vectors: [], tokens: 0 };
    texts.forEach((text, i) => {
      if (text.trim() === '') throw new InvalidEmbeddingError(`text #${i} is empty; there is nothing to embed`);
    });
    const prefix = purpose === 'query' ? this.spec.queryPrefix : this.spec.documentPrefix;
    const inputs = this.tokenizer(texts.map((t) => prefix + t), {
      padding: true,
      truncation: true,
      max_length: this.spec.maxTokens,
    });
    const { last_hidden_state: hidden } = (await this.model(inputs)) as { last_hidden_state: Tensor };
    const mask = inputs.attention_mask as Tensor;
    let pooled = this.spec.pooling === 'mean' ? mean_pooling(hidden, mask) : hidden.slice(null, 0, null);
    if (this.spec.normalize) pooled = pooled.normalize(2, -1);
    const flat = pooled.data as Float32Array;
    const dims = pooled.dims[1] ?? 0;
    const vectors = texts.map((_, i) => flat.slice(i * dims, (i + 1) * dims));
    vectors.forEach((v, i) => checkVector(this.spec, v, `text #${i}`));
    const tokens = Number((mask.data as BigInt64Array).reduce((sum, bit) => sum + bit, 0n));
    return { vectors, tokens };
  }
}
