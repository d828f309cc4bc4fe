/**
 * The OpenAI Batch API's documented limits for `/v1/embeddings`, the defaults of the
 * REEMBED_BATCH_* settings. The enqueued-token limit depends on the organisation's usage
 * tier; the default is tier 1's for text-embedding-3-small, the smallest a paying account has.
 */
export const BATCH_API_LIMITS = {
  requestsPerFile: 50_000,
  inputsPerBatch: 50_000,
  fileBytes: 200 * 1024 * 1024,
  enqueuedTokens: 3_000_000,
} as const;

export interface BatchApiLimits {
  readonly requestsPerFile: number;
  readonly inputsPerBatch: number;
  readonly fileBytes: number;
  /** Tokens of submitted, unfinished batches the organisation may have queued for one model. */
  readonly enqueuedTokens: number;
}

/** What a batch's completion window promises, and what the status tells an operator to expect. */
export const COMPLETION_WINDOW = '24h';
