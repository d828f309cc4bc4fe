import { Tiktoken } from 'js-tiktoken/lite';
import cl100k from 'js-tiktoken/ranks/cl100k_base';

/** Counts and cuts text in the tokens a model reads, so cost, batching and truncation agree with the provider. */
export interface TokenCounter {
  count(text: string): number;
  /** The text cut to at most `maxTokens` tokens (at the end, as the specs' `truncation: end` says). */
  truncate(text: string, maxTokens: number): string;
}

let cl100kBase: Tiktoken | undefined;

/**
 * OpenAI's embedding models (text-embedding-3-*, ada-002) read cl100k_base tokens, which is
 * what their `usage` reports and bills; js-tiktoken ships the ranks, nothing is fetched.
 */
export function openAITokenCounter(): TokenCounter {
  cl100kBase ??= new Tiktoken(cl100k);
  const encoding = cl100kBase;
  return {
    count: (text) => encoding.encode(text).length,
    truncate: (text, maxTokens) => {
      const tokens = encoding.encode(text);
      return tokens.length <= maxTokens ? text : encoding.decode(tokens.slice(0, maxTokens));
    },
  };
}
