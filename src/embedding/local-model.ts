import { AutoModel, AutoTokenizer, env, type PreTrainedModel, type PreTrainedTokenizer, type Tensor } from '@huggingface/transformers';

/**
 * ONNX Runtime's intra-op threads spin between operators waiting for more work. On a few
 * cores shared with Elasticsearch requests, Temporal and often a second model, the spinning
 * threads hold the cores the others need: with two models in one process, each one's idle
 * threads spun while the other ran (the search-latency bench shows what a query costs).
 */
const NO_SPINNING = { extra: { session: { intra_op: { allow_spinning: '0' } } } };

export interface ForwardPass {
  readonly hidden: Tensor;
  readonly mask: Tensor;
}

/**
 * One set of ONNX weights and its tokenizer, loaded once per process. Specs that read the
 * same weights (different pooling or token limit) share it: one copy in memory, and a
 * query can be run through it once for all of them.
 */
export class LocalModel {
  private constructor(
    private readonly tokenizer: PreTrainedTokenizer,
    private readonly model: PreTrainedModel,
  ) {}

  /** `threads`: ONNX Runtime's intra-op threads (default: one per core). */
  static async load(name: string, dtype: 'fp32' | 'q8', modelsDir: string, threads?: number): Promise<LocalModel> {
    env.localModelPath = modelsDir.endsWith('/') ? modelsDir : `${modelsDir}/`;
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    const tokenizer = await AutoTokenizer.from_pretrained(name);
    const session_options = { ...NO_SPINNING, ...(threads ? { intraOpNumThreads: threads } : {}) };
    const model = await AutoModel.from_pretrained(name, { dtype, session_options });
    return new LocalModel(tokenizer, model);
  }

  /** Tokens as the model reads the text, special tokens included, untruncated. */
  count(text: string): number {
    return this.tokenizer.encode(text).length;
  }

  async forward(texts: readonly string[], maxTokens: number): Promise<ForwardPass> {
    const inputs = this.tokenizer([...texts], { padding: true, truncation: true, max_length: maxTokens });
    const { last_hidden_state: hidden } = (await this.model(inputs)) as { last_hidden_state: Tensor };
    return { hidden, mask: inputs.attention_mask as Tensor };
  }
}
