import { mean_pooling } from '@huggingface/transformers';
import { LocalModel, type ForwardPass } from './local-model.js';
import { queryDtypeOf, type LocalDtype, type ModelSpec } from './model-spec.js';
import { checkVector, InvalidEmbeddingError, prefixFor, type EmbeddingPurpose, type EmbeddingProvider, type Embeddings } from './provider.js';

export type TransformersSpec = Extract<ModelSpec, { provider: 'transformers' }>;

/** Texts per forward pass. Larger passes gain little on a CPU and pad more. */
const FORWARD_BATCH = 16;

/**
 * Runs a local ONNX model through transformers.js. The loading path is the ordinary
 * hub-compatible one; only the files come from a local folder (remote loading is off),
 * so nothing is ever downloaded at run time.
 */
export class TransformersProvider implements EmbeddingProvider {
  /**
   * `queryModel`: the weights queries go through (the spec's `queryDtype`, else its `dtype`).
   * The document weights load on the first document: a search process that only embeds
   * queries through int8 weights never holds the fp32 ones.
   */
  constructor(
    readonly spec: TransformersSpec,
    readonly queryModel: LocalModel,
    private readonly documentModel: () => Promise<LocalModel>,
  ) {}

  static async loadModel(spec: TransformersSpec, modelsDir: string, dtype: LocalDtype = spec.dtype, threads?: number): Promise<LocalModel> {
    try {
      return await LocalModel.load(spec.model, dtype, modelsDir, threads);
    } catch (cause) {
      throw new Error(
        `Could not load local model "${spec.model}" (${dtype}) for spec ${spec.id} from ${modelsDir}: ${(cause as Error).message}. ` +
          'Run `npm run setup` to install the local models, or set REEMBED_MODELS_DIR to the folder that holds them.',
        { cause },
      );
    }
  }

  /**
   * Embeds in forward passes of up to FORWARD_BATCH texts of similar length: a pass pads
   * every text to its longest one, so sorting by length first wastes little on padding.
   * Vectors come back in the order of `texts` (a text's vector does not depend on its batch).
   */
  async embed(texts: readonly string[], purpose: EmbeddingPurpose): Promise<Embeddings> {
    if (texts.length === 0) return { vectors: [], tokens: 0, truncated: 0 };
    texts.forEach((text, i) => {
      if (text.trim() === '') throw new InvalidEmbeddingError(`text #${i} is empty; there is nothing to embed`);
    });
    const prefix = prefixFor(this.spec, purpose);
    const counts = this.countTokens(texts, purpose);
    const byLength = texts.map((_, i) => i).sort((a, b) => counts[a]! - counts[b]!);
    const model = purpose === 'query' ? this.queryModel : await this.documentModel();
    // Int8 query files quantize activations per forward pass: one query per pass keeps each
    // query's vector independent of the others that came with it.
    const passSize = purpose === 'query' && queryDtypeOf(this.spec) !== this.spec.dtype ? 1 : FORWARD_BATCH;
    const vectors: Float32Array[] = [];
    let tokens = 0;
    for (let start = 0; start < byLength.length; start += passSize) {
      const positions = byLength.slice(start, start + passSize);
      const pass = await model.forward(
        positions.map((i) => prefix + texts[i]),
        this.spec.maxTokens,
      );
      const pooled = this.pool(pass, positions);
      positions.forEach((position, j) => (vectors[position] = pooled.vectors[j]!));
      tokens += pooled.tokens;
    }
    return { vectors, tokens, truncated: counts.filter((n) => n > this.spec.maxTokens).length };
  }

  countTokens(texts: readonly string[], purpose: EmbeddingPurpose): number[] {
    const prefix = prefixFor(this.spec, purpose);
    // Both weight files of a model come with the same tokenizer.
    return texts.map((t) => this.queryModel.count(prefix + t));
  }

  /**
   * One forward pass serves every spec here that reads the same weights with the same query
   * prefix, as long as the query fits each one's token limit untruncated (a truncated input
   * gives different hidden states, so a longer query falls back to one pass per spec).
   * This is what keeps a merged search during a pooling-only migration near single-index cost.
   * The caller (the provider pool) passes only providers whose specs share query weights and
   * prefix. Null for an empty query: each provider then refuses it on its own.
   */
  static async embedSharedQuery(providers: readonly TransformersProvider[], text: string): Promise<Float32Array[] | null> {
    const first = providers[0];
    if (!first || text.trim() === '') return null;
    const longest = Math.max(...providers.map((p) => p.spec.maxTokens));
    const pass = await first.queryModel.forward([first.spec.queryPrefix + text], longest);
    const tokens = pass.mask.dims[1] ?? 0;
    const vectors: Float32Array[] = [];
    for (const p of providers) {
      vectors.push(tokens <= p.spec.maxTokens ? p.pool(pass, [0]).vectors[0]! : (await p.embed([text], 'query')).vectors[0]!);
    }
    return vectors;
  }

  /** Pools one forward pass; `positions` are the texts' places in the caller's list, for error messages. */
  private pool({ hidden, mask }: ForwardPass, positions: readonly number[]): Omit<Embeddings, 'truncated'> {
    let pooled = this.spec.pooling === 'mean' ? mean_pooling(hidden, mask) : hidden.slice(null, 0, null);
    if (this.spec.normalize) pooled = pooled.normalize(2, -1);
    const flat = pooled.data as Float32Array;
    const dims = pooled.dims[1] ?? 0;
    const vectors = positions.map((_, i) => flat.slice(i * dims, (i + 1) * dims));
    vectors.forEach((v, i) => checkVector(this.spec, v, `text #${positions[i]}`));
    const tokens = Number((mask.data as BigInt64Array).reduce((sum, bit) => sum + bit, 0n));
    return { vectors, tokens };
  }
}
