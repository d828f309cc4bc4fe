import { InvalidEmbeddingError, type EmbeddingProvider } from './provider.js';

export interface IsolatedEmbeddings {
  /** One entry per input text; null where that text could not be embedded. */
  readonly vectors: (Float32Array | null)[];
  readonly failures: { readonly index: number; readonly reason: string }[];
  readonly tokens: number;
  readonly truncated: number;
}

/**
 * Embeds a batch; when the batch is refused for bad input, embeds its texts one by one so
 * that only the bad documents fail and the rest still get their vectors. Transient errors
 * (anything but InvalidEmbeddingError) propagate for the caller's retry policy.
 */
export async function embedIsolatingFailures(provider: EmbeddingProvider, texts: readonly string[]): Promise<IsolatedEmbeddings> {
  try {
    const { vectors, tokens, truncated } = await provider.embed(texts, 'document');
    return { vectors, failures: [], tokens, truncated };
  } catch (error) {
    if (!(error instanceof InvalidEmbeddingError)) throw error;
  }
  const vectors: (Float32Array | null)[] = [];
  const failures: { index: number; reason: string }[] = [];
  let tokens = 0;
  let truncated = 0;
  for (const [index, text] of texts.entries()) {
    try {
      const one = await provider.embed([text], 'document');
      vectors.push(one.vectors[0]!);
      tokens += one.tokens;
      truncated += one.truncated;
    } catch (error) {
      if (!(error instanceof InvalidEmbeddingError)) throw error;
      vectors.push(null);
      failures.push({ index, reason: error.message.replace(/^text #0: /, '') });
    }
  }
  return { vectors, failures, tokens, truncated };
}
